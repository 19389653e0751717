using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>evaluate --errors (PNGs, contact sheet, index.html, errors.csv with the original rows), --confusion, and the
/// small CLI defects of issue 14 (plot formats, the regression progress line and JSON, the learning-rate help).</summary>
public sealed class ErrorGalleryTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(1000, 200);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-errors-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    private static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Image_errors_get_a_png_each_a_contact_sheet_an_index_page_and_a_confusion_heat_map()
    {
        string model = Path.Combine(_work, "digits.nabla"), errors = Path.Combine(_work, "errors"), confusion = Path.Combine(_work, "cm.png");
        Assert.Equal(0, CliRunner.Run("train", "--data", _data, "--layers", "16", "--epochs", "2", "--out", model, "--quiet").Code);
        var (code, output, error) = CliRunner.Run("evaluate", "--model", model, "--data", _data, "--errors", errors, "--confusion", confusion, "--json");
        Assert.True(code == 0, error);
        int written = (int)JsonNode.Parse(output)!["errors_written"]!;
        Assert.InRange(written, 1, 199);

        string[] pngs = Directory.GetFiles(errors, "*_true-*_pred-*.png");
        Assert.Equal(written, pngs.Length);
        Assert.All(pngs, p => Assert.Equal((112, 112), PngSize(p)));
        var (width, height) = PngSize(Path.Combine(errors, "contact-sheet.png"));
        Assert.True(width >= 16 * 56 || written < 16, $"{width}×{height}");
        Assert.True(height >= 56 * ((Math.Min(written, 800) + 15) / 16), $"{width}×{height} for {written} pictures");

        string index = File.ReadAllText(Path.Combine(errors, "index.html"));
        Assert.Contains("contact-sheet.png", index);
        Assert.All(pngs, p => Assert.Contains($"src=\"{Path.GetFileName(p)}\"", index));
        Assert.DoesNotContain("http", index);

        Assert.True(PngSize(confusion).Width > 400);
        var notPng = CliRunner.Run("evaluate", "--model", model, "--data", _data, "--confusion", Path.Combine(_work, "cm.jpg"));
        Assert.Equal(2, notPng.Code);
        Assert.Contains("--confusion", notPng.Error);
    }

    [Fact]
    public void Csv_errors_keep_the_row_number_and_every_original_column_including_dropped_ones()
    {
        var text = new StringBuilder("id,petal,stem,flower,note\n");
        var random = new Random(3);
        for (int i = 0; i < 240; i++)
        {
            int c = i % 3;
            // overlapping classes, so that some rows are misclassified
            text.Append(CultureInfo.InvariantCulture, $"id-{i},{c + 2.5 * random.NextDouble():F3},{random.NextDouble():F3},{new[] { "rose", "tulip", "lily" }[c]},\"a, b {i}\"\n");
        }

        string data = Path.Combine(_work, "flowers.csv"), model = Path.Combine(_work, "flowers.nabla"), errors = Path.Combine(_work, "csv-errors");
        File.WriteAllText(data, text.ToString());
        var train = CliRunner.Run("train", "--data", data, "--target", "flower", "--drop", "id,note", "--layers", "8", "--epochs", "5", "--out", model, "--quiet");
        Assert.True(train.Code == 0, train.Error);
        var (code, _, error) = CliRunner.Run("evaluate", "--model", model, "--data", data, "--errors", errors);
        Assert.True(code == 0, error);

        string[] lines = File.ReadAllLines(Path.Combine(errors, "errors.csv"));
        Assert.Equal("row,id,petal,stem,flower,note,true,predicted,probability", lines[0]);
        Assert.True(lines.Length > 5, $"only {lines.Length - 1} misclassified rows");
        string[] file = File.ReadAllLines(data);
        double previous = double.MaxValue;
        foreach (string line in lines.Skip(1))
        {
            // row N is line N + 1 of the file (after the header), copied cell for cell (the quoted note included)
            int row = int.Parse(line[..line.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            string rest = line[(line.IndexOf(',', StringComparison.Ordinal) + 1)..];
            Assert.StartsWith(file[row], rest, StringComparison.Ordinal);
            string[] tail = rest[(file[row].Length + 1)..].Split(',');
            Assert.Equal(file[row].Split(',')[3], tail[0]); // the true class is the file's label
            Assert.NotEqual(tail[0], tail[1]);
            double probability = double.Parse(tail[2], CultureInfo.InvariantCulture);
            Assert.True(probability <= previous + 1e-9, "most confident mistakes first");
            previous = probability;
        }

        Assert.Contains("<td>id-", File.ReadAllText(Path.Combine(errors, "index.html")));
    }

    [Fact]
    public void Regression_progress_shows_no_accuracy_and_its_json_names_the_standardized_loss()
    {
        var text = new StringBuilder("size,age,price\n");
        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            double size = 30 + 170 * random.NextDouble(), age = 80 * random.NextDouble();
            text.Append(CultureInfo.InvariantCulture, $"{size:F2},{age:F2},{3000 * size - 500 * age + 20000 * random.NextDouble():F0}\n");
        }

        string data = Path.Combine(_work, "houses.csv"), model = Path.Combine(_work, "houses.nabla");
        File.WriteAllText(data, text.ToString());
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--layers", "8", "--epochs", "3", "--val-split", "0.2", "--out", model);
        Assert.True(code == 0, error);
        string[] epochs = output.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, epochs.Length);
        Assert.All(epochs, l => Assert.Contains("val_loss", l));
        Assert.All(epochs, l => Assert.DoesNotContain("acc", l));

        var evaluation = CliRunner.Run("evaluate", "--model", model, "--data", data, "--json", "--errors", Path.Combine(_work, "reg-errors"));
        Assert.True(evaluation.Code == 0, evaluation.Error);
        JsonObject json = JsonNode.Parse(evaluation.Out)!.AsObject();
        Assert.False(json.ContainsKey("loss"));
        double std = ModelFile.Load(model).Metadata.TargetStd;
        Assert.Equal((double)json["mse"]! / (std * std), (double)json["standardized_mse"]!, 3);
        Assert.Equal(std, (double)json["target_std"]!);
        string[] rows = File.ReadAllLines(Path.Combine(_work, "reg-errors", "errors.csv"));
        Assert.Equal("row,size,age,price,true,predicted,error", rows[0]);
        Assert.Equal(301, rows.Length);
        var confusion = CliRunner.Run("evaluate", "--model", model, "--data", data, "--confusion", Path.Combine(_work, "cm.png"));
        Assert.Equal(2, confusion.Code);
        Assert.Contains("regression", confusion.Error);
    }

    [Fact]
    public void Plot_jpg_is_a_jpeg_and_an_unknown_extension_is_refused()
    {
        string model = Path.Combine(_work, "m.nabla"), jpg = Path.Combine(_work, "curves.jpg");
        Assert.Equal(0, CliRunner.Run("train", "--data", _data, "--layers", "8", "--epochs", "2", "--plot", jpg, "--out", model, "--quiet").Code);
        Assert.Equal([0xFF, 0xD8, 0xFF], File.ReadAllBytes(jpg)[..3]);
        var bad = CliRunner.Run("train", "--data", _data, "--epochs", "1", "--plot", Path.Combine(_work, "curves.gif"), "--out", model, "--quiet");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--plot", bad.Error);
    }

    [Fact]
    public void Train_help_gives_each_optimizers_default_learning_rate_as_the_code_has_it()
    {
        var (code, output, _) = CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        string help = string.Join(" ", output.Split('\n').Select(l => l.Trim()));
        int at = help.IndexOf("--lr", StringComparison.Ordinal);
        string lr = help[at..help.IndexOf("--epochs", at, StringComparison.Ordinal)];
        Assert.Contains("(default 0.001 for adam, adamw and rmsprop, 0.01 otherwise)", lr);
        foreach (string name in Nabla.Optimizers.Optimizer.Names)
        {
            float expected = name is "adam" or "adamw" or "rmsprop" ? 1e-3f : 1e-2f;
            Assert.Equal(expected, Nabla.Optimizers.Optimizer.DefaultLearningRate(name));
        }
    }
}
