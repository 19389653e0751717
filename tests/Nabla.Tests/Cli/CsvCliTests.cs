using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Text;
using Nabla.Cli;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The CLI on generated CSV files: one per task type, the Kaggle MNIST layout, and bad input.</summary>
public sealed class CsvCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-csv-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);


    private string Write(string name, Func<Random, int, string> row, string header, int rows = 300)
    {
        var random = new Random(7);
        var text = new StringBuilder(header).Append('\n');
        for (int i = 0; i < rows; i++)
        {
            text.Append(row(random, i)).Append('\n');
        }

        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    [Fact]
    public void Classification_with_string_labels_an_id_column_and_semicolons()
    {
        string data = Write("flowers.csv", (r, i) =>
        {
            int c = i % 3;
            return $"{i};{F(c * 2 + r.NextDouble())};{F(-c + r.NextDouble())};{new[] { "rose", "tulip", "lily" }[c]}";
        }, "id;petal;stem;flower");
        string model = Path.Combine(_folder, "flowers.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--target", "flower", "--drop", "id", "--layers", "16", "--epochs", "40", "--lr", "0.01", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        JsonObject report = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("classification", (string)report["task"]!);
        Assert.True((double)report["test_accuracy"]! > 0.9, output);
        Assert.Equal(60, (int)report["test_samples"]!);

        var evaluation = CliRunner.Run("evaluate", "--model", model, "--data", data, "--errors", Path.Combine(_folder, "errors"));
        Assert.Equal(0, evaluation.Code);
        Assert.Contains("        rose", evaluation.Out);
        Assert.Contains("weighted avg", evaluation.Out);
        Assert.True(File.Exists(Path.Combine(_folder, "errors", "errors.csv")));
        Assert.StartsWith("row,id,petal,stem,flower,true,predicted,probability", File.ReadAllText(Path.Combine(_folder, "errors", "errors.csv")));

        var prediction = CliRunner.Run("predict", "--model", model, "--input", data, "--limit", "3");
        Assert.Matches(@"^sample +input +class +probability +next best\n0 +\S+flowers\.csv\[0\] +(rose|tulip|lily) +\d\.\d{3}", prediction.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Regression_reports_errors_in_the_targets_units()
    {
        string data = Write("houses.csv", (r, i) =>
        {
            double size = 30 + 170 * r.NextDouble(), age = 80 * r.NextDouble();
            return $"{F(size)},{F(age)},{F(3000 * size - 500 * age + 20000 * r.NextDouble())}";
        }, "size,age,price", rows: 400);
        string model = Path.Combine(_folder, "houses.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--target", "price", "--layers", "16", "--epochs", "100", "--lr", "0.01", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        JsonObject report = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("regression", (string)report["task"]!);
        Assert.True((double)report["test_r2"]! > 0.9, output);
        Assert.InRange((double)report["test_rmse"]!, 1000, 50_000); // dollars, not standardized units
        Assert.False(report.ContainsKey("test_loss")); // named for what it is: the loss trained on, in standardized units
        double std = Nabla.Serialization.ModelFile.Load(model).Metadata.TargetStd;
        Assert.Equal((double)report["test_mse"]! / (std * std), (double)report["test_standardized_mse"]!, 4);

        var evaluation = CliRunner.Run("evaluate", "--model", model, "--data", data, "--json");
        Assert.True((double)JsonNode.Parse(evaluation.Out)!["r2"]! > 0.9);
        var prediction = CliRunner.Run("predict", "--model", model, "--input", data, "--limit", "1");
        Assert.Matches(@"^sample +input +price\b", prediction.Out);
        double predicted = double.Parse(prediction.Out.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
        Assert.InRange(predicted, 10_000, 700_000);
    }

    [Fact]
    public void Binary_targets_train_a_sigmoid_output_with_binary_cross_entropy()
    {
        string data = Write("sick.tsv", (r, i) =>
        {
            double a = r.NextDouble() * 2 - 1, b = r.NextDouble() * 2 - 1;
            return $"{F(a)}\t{F(b)}\t{(a + b > 0 ? "yes" : "no")}";
        }, "a\tb\tsick");
        string model = Path.Combine(_folder, "sick.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--layers", "8", "--epochs", "60", "--lr", "0.01", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        Assert.Equal("binary", (string)JsonNode.Parse(output)!["task"]!);
        Assert.True((double)JsonNode.Parse(output)!["test_accuracy"]! > 0.85, output);
        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Contains("binary classification (no / yes)", summary.Out);
        Assert.Contains("(None, 1)", summary.Out);
    }

    [Fact]
    public void Kaggle_mnist_layout_trains_evaluates_and_predicts()
    {
        var (train, test) = TestData.Mnist10k;
        string Csv(string name, Nabla.Data.Dataset data, int rows, bool labelled)
        {
            var text = new StringBuilder(labelled ? "label," : "").Append(string.Join(",", Enumerable.Range(0, 784).Select(i => $"pixel{i}"))).Append('\n');
            for (int i = 0; i < rows; i++)
            {
                if (labelled)
                {
                    text.Append(data.RequireLabels()[i]).Append(',');
                }

                text.Append(string.Join(",", data.Features.Row(i).ToArray().Select(v => ((int)Math.Round(v * 255)).ToString(CultureInfo.InvariantCulture)))).Append('\n');
            }

            string path = Path.Combine(_folder, name);
            File.WriteAllText(path, text.ToString());
            return path;
        }

        string trainCsv = Csv("train.csv", train, 1500, labelled: true);
        string testCsv = Csv("test.csv", test, 300, labelled: false);
        string labelledTest = Csv("test-labelled.csv", test, 300, labelled: true);
        string model = Path.Combine(_folder, "kaggle.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", trainCsv, "--layers", "64", "--epochs", "5", "--batch-size", "64", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        Assert.True((double)JsonNode.Parse(output)!["test_accuracy"]! > 0.8, output);
        var evaluation = CliRunner.Run("evaluate", "--model", model, "--data", labelledTest, "--json");
        Assert.True((double)JsonNode.Parse(evaluation.Out)!["accuracy"]! > 0.8, evaluation.Out);
        string submission = Path.Combine(_folder, "submission.csv");
        var prediction = CliRunner.Run("predict", "--model", model, "--input", testCsv, "--limit", "300", "--out", submission);
        Assert.Equal(300, prediction.Out.Split('\n').Count(l => Regex.IsMatch(l, @"^\d+ +\S+test\.csv\[\d+\] +\d ")));
        string[] rows = File.ReadAllLines(submission);
        Assert.Equal("ImageId,Label", rows[0]);
        Assert.Equal(301, rows.Length);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Skip(1).Select(r => r.Split(',')[0]));
        Assert.All(rows.Skip(1), r => Assert.Matches(@"^\d+,\d$", r));
    }

    [Fact]
    public void Bad_csv_input_prints_one_line_with_file_line_and_column_and_writes_nothing()
    {
        string bad = Path.Combine(_folder, "bad.csv");
        File.WriteAllText(bad, "a,b,t\n1,2,0\n3,oops,1\n");
        string model = Path.Combine(_folder, "never.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", bad, "--out", model);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains($"{bad}: line 3, column 2 ('b'): 'oops' is not a number", error);
        Assert.False(File.Exists(model));

        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");
        var wrongLoss = CliRunner.Run("train", "--data", xor, "--test-split", "0", "--loss", "cross-entropy", "--out", model);
        Assert.Equal(2, wrongLoss.Code);
        Assert.Contains("use binary-cross-entropy or mse", wrongLoss.Error);
        Assert.False(File.Exists(model));

        var missing = CliRunner.Run("train", "--data", bad, "--target", "price", "--out", model);
        Assert.Equal(2, missing.Code);
        Assert.Contains("'price' is not a column", missing.Error);
    }

    [Fact]
    public void Labels_the_model_never_saw_and_wrong_feature_counts_are_rejected()
    {
        string data = Write("three.csv", (r, i) => $"{F(i % 3 + r.NextDouble())},{"abc"[i % 3]}", "x,kind", rows: 90);
        string model = Path.Combine(_folder, "three.nabla");
        Assert.Equal(0, CliRunner.Run("train", "--data", data, "--layers", "4", "--epochs", "2", "--out", model, "--quiet").Code);
        string other = Path.Combine(_folder, "other.csv");
        File.WriteAllText(other, "x,kind\n0.5,a\n1.5,d\n");
        var unknown = CliRunner.Run("evaluate", "--model", model, "--data", other);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("line 3: label 'd' is not one of the classes the model knows (a, b, c)", unknown.Error);
        string wrong = Path.Combine(_folder, "wrong.csv");
        File.WriteAllText(wrong, "z,kind\n0.5,a\n");
        var missingColumn = CliRunner.Run("evaluate", "--model", model, "--data", wrong);
        Assert.Equal(2, missingColumn.Code);
        Assert.Contains("the model needs a column 'x'", missingColumn.Error);
    }
}
