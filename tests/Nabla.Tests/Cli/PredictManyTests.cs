using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.RealWorld;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla predict</c> on real pictures and on many inputs at once (issue 15).</summary>
public sealed class PredictManyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-predict-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static JsonArray Predictions(string json) => JsonNode.Parse(json)!["predictions"]!.AsArray();

    [Fact]
    public void Photo_like_pictures_are_read_as_mnist_prepared_its_digits()
    {
        // A slice of the benchmark's set (docs/BENCHMARKS.md: 0.94 on 500 with the default model): 40 pictures of 70-220
        // px digits on canvases up to 400 px, blurred, dark on paper, pen, chalk, transparent, JPEG. Without centring,
        // size normalization and alpha this was 21 %.
        IReadOnlyList<DigitPhoto> photos = TrainedDigits.Photos;
        var (code, output, error) = CliRunner.Run("predict", "--model", TrainedDigits.Model, "--input", Path.GetDirectoryName(photos[0].Path)!, "--json");
        Assert.True(code == 0, error);
        JsonArray predictions = Predictions(output);
        Assert.Equal(photos.Count, predictions.Count);
        var byFile = photos.ToDictionary(p => p.Path, p => p.Label.ToString(CultureInfo.InvariantCulture));
        int right = predictions.Count(p => byFile[(string)p!["input"]!] == (string)p!["class"]!);
        Assert.True(right >= 0.85 * photos.Count, $"{right} of {photos.Count} right");
    }

    [Fact]
    public void Files_folders_and_globs_in_one_call_with_json_csv_and_the_images_the_model_received()
    {
        DigitPhoto[] photos = TrainedDigits.Photos.Take(6).ToArray();
        string pictures = Path.Combine(_folder, "pictures");
        Directory.CreateDirectory(pictures);
        foreach (DigitPhoto photo in photos)
        {
            File.Copy(photo.Path, Path.Combine(pictures, Path.GetFileName(photo.Path)));
        }

        File.WriteAllText(Path.Combine(pictures, "notes.txt"), "not a picture");
        string glob = Path.Combine(pictures, "000?_*.*"), deep = Path.Combine(_folder, "**", "000[3-4]_*");
        string csv = Path.Combine(_folder, "predictions.csv"), shown = Path.Combine(_folder, "shown");
        var (code, output, error) = CliRunner.Run("predict", "--model", TrainedDigits.Model, "--input", photos[5].Path, pictures, glob, deep,
            "--out", csv, "--show", shown, "--min-confidence", "0.99");
        Assert.True(code == 0, error);
        string[] lines = output.ReplaceLineEndings("\n").Split('\n');
        Assert.Matches(@"^sample +input +class +probability +next best$", lines[0]);
        int expected = 1 + photos.Length + Directory.GetFiles(pictures, "000?_*.*").Length + 2;
        Assert.Equal(expected, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d+ +\S+\.(png|jpg) +\d +\d\.\d{3}")));
        Assert.Contains(lines, l => l.StartsWith("? the model is unsure: its top probability is below 0.99", StringComparison.Ordinal));

        string[] rows = File.ReadAllLines(csv);
        Assert.Equal("sample,input,class,probability,low_confidence,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", rows[0]);
        Assert.Equal(expected + 1, rows.Length);
        Assert.Equal(photos[5].Path, rows[1].Split(',')[1]);

        string[] images = Directory.GetFiles(shown, "*.png").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, images.Length);
        Assert.Matches(@"0000_\d{4}_\d_pred-\d\.png$", images[0]);
        using var bitmap = SkiaSharp.SKBitmap.Decode(images[0]);
        Assert.Equal((28, 28), (bitmap.Width, bitmap.Height));
        Assert.Equal(0, bitmap.GetPixel(0, 0).Red);

        var json = CliRunner.Run("predict", "--model", TrainedDigits.Model, "--input", photos[0].Path, photos[1].Path, "--json");
        JsonArray predictions = Predictions(json.Out);
        Assert.Equal([0, 1], predictions.Select(p => (int)p!["sample"]!));
        Assert.Equal(10, predictions[0]!["probabilities"]!.AsObject().Count);
        Assert.False((bool)predictions[0]!["low_confidence"]! && (double)predictions[0]!["probability"]! >= 0.5);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["--input", "/nonexistent/x.png"], "--input /nonexistent/x.png: file not found" },
        { ["--input", "/nonexistent/*.png"], "/nonexistent" },
        { ["--input", "FOLDER/*.jpeg"], "no file matches" },
        { ["--input", "FOLDER"], "holds no PNG, JPEG or BMP image" },
        { ["--input", "PHOTO", "--min-confidence", "2"], "--min-confidence" },
        { ["--input", "PHOTO", "--out", "/nonexistent/p.csv"], "--out" },
        { ["--input", "PHOTO", "--show", "PHOTO"], "--show" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_inputs_are_one_line_and_exit_2(string[] args, string mentioned)
    {
        string empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        string photo = TrainedDigits.Photos[0].Path;
        var (code, output, error) = CliRunner.Run(["predict", "--model", TrainedDigits.Model,
            .. args.Select(a => a.Replace("FOLDER", empty, StringComparison.Ordinal).Replace("PHOTO", photo, StringComparison.Ordinal))]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(mentioned, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }
}
