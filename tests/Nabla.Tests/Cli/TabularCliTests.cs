using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The CLI on a table with text categories and missing cells: train imputes and encodes, says so, stores the
/// preprocessing; predict counts unseen categories; summary and report list the columns; --missing error refuses.</summary>
public sealed class TabularCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-tabular-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Penguin-like rows: the species follows from the island and a measurement; NA and empty cells scattered.</summary>
    private string Penguins(string name = "birds.csv", int rows = 240)
    {
        var random = new Random(3);
        string[] islands = ["Biscoe", "Dream", "Torgersen"], species = ["Adelie", "Chinstrap", "Gentoo"];
        var text = new StringBuilder("species,island,bill,sex\n");
        for (int i = 0; i < rows; i++)
        {
            int k = i % 3;
            double bill = 35 + 6 * k + random.NextDouble() * 3;
            string billText = i % 17 == 4 ? "NA" : bill.ToString("F1", CultureInfo.InvariantCulture);
            string sex = i % 13 == 2 ? "" : random.Next(2) == 0 ? "male" : "female";
            string target = i % 59 == 7 ? "NA" : species[k];
            text.Append(CultureInfo.InvariantCulture, $"{target},{islands[k]},{billText},{sex}\n");
        }

        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void Categories_and_missing_cells_are_imputed_encoded_reported_and_stored()
    {
        string data = Penguins(), model = Path.Combine(_folder, "birds.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--target", "species", "--test-split", "0.25", "--out", model);
        Assert.True(code == 0, error);
        Assert.Contains("Dropped 4 rows whose target 'species' is missing (the first at line 9)", output);
        Assert.Contains("Imputing 32 missing cells (sex 18, bill 14)", output);
        Assert.Contains("Inputs: 1 numeric column, 2 one-hot (6 inputs) → 7 network inputs", output);
        Assert.Matches(@"Test accuracy 1\.0000", output);

        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Equal(0, summary.Code);
        Assert.Contains("3 columns → 7 inputs (missing cells imputed", summary.Out);
        Assert.Contains("one-hot, 3 categories", summary.Out);
        Assert.Matches(@"bill\s+│ numeric; \d+ missing in training → median", summary.Out);

        // a category never seen in training and missing cells at prediction: predicted, and counted on stderr
        string rows = Path.Combine(_folder, "new.csv");
        File.WriteAllText(rows, "island,bill,sex\nAtlantis,36,male\nDream,?,\nTorgersen,48,female\n");
        var predict = CliRunner.Run("predict", "--model", model, "--input", rows);
        Assert.True(predict.Code == 0, predict.Error);
        Assert.Equal(4, predict.Out.Trim().Split('\n').Length); // the header and three rows
        Assert.Contains("imputed 2 missing cells (bill 1, sex 1); 1 cell with a category unseen in training (island 1: 'Atlantis')", predict.Error);
        Assert.Matches(@"^2\s+\S+\s+Gentoo\s", predict.Out.Trim().Split('\n')[3]);

        string report = Path.Combine(_folder, "report.html");
        Assert.Equal(0, CliRunner.Run("report", "--model", model, "--data", data, "--out", report).Code);
        string html = File.ReadAllText(report);
        Assert.Contains(">Preprocessing</h2>", html);
        Assert.Contains("median", html);
        Assert.Contains("one-hot, 3 categories", html);
    }

    [Fact]
    public void Missing_error_keeps_the_strict_reading_and_json_counts_what_was_filled_in()
    {
        string data = Penguins();
        var strict = CliRunner.Run("train", "--data", data, "--target", "species", "--missing", "error", "--out", Path.Combine(_folder, "x.nabla"));
        Assert.Equal(2, strict.Code);
        Assert.Single(strict.Error.Trim().Split('\n'));
        Assert.Contains($"{data}: line 4, column 4 ('sex'): is empty", strict.Error);
        Assert.False(File.Exists(Path.Combine(_folder, "x.nabla")));

        var bad = CliRunner.Run("train", "--data", data, "--missing", "sometimes");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--missing takes impute or error, got 'sometimes'", bad.Error);

        var (code, output, error) = CliRunner.Run("train", "--data", data, "--target", "species", "--epochs", "3", "--json", "--quiet", "--out", Path.Combine(_folder, "y.nabla"));
        Assert.True(code == 0, error);
        JsonNode json = JsonNode.Parse(output)!;
        Assert.Equal(32, (long)json["imputed_cells"]!);
        Assert.Equal(4, (long)json["dropped_rows"]!);
        Assert.Equal(3, (int)json["epochs"]!);
    }

    [Fact]
    public void Numeric_codes_declared_categorical_become_one_hot_inputs()
    {
        string path = Path.Combine(_folder, "codes.csv");
        var text = new StringBuilder("zip,rooms,price\n");
        for (int i = 0; i < 90; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{10115 + (i % 3) * 100},{1 + i % 4},{100 + 50 * (i % 3) + 10 * (i % 4)}\n");
        }

        File.WriteAllText(path, text.ToString());
        string model = Path.Combine(_folder, "codes.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", path, "--categorical", "zip", "--epochs", "2", "--out", model);
        Assert.True(code == 0, error);
        Assert.Contains("Inputs: 1 numeric column, 1 one-hot (3 inputs) → 4 network inputs", output);
        var unknown = CliRunner.Run("train", "--data", path, "--categorical", "postcode", "--out", model);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("--categorical 'postcode' is not a column", unknown.Error);
    }
}
