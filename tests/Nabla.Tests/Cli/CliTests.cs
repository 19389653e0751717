using System.Text.Json.Nodes;
using Nabla.Cli;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The nabla command end to end, in process, on a 1,000 + 300 digit slice of mnist-10k.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(1000, 300);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-cli-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }


    [Fact]
    public void Train_evaluate_predict_and_summary_work_together()
    {
        string model = Path.Combine(_work, "digits.nabla");
        string plot = Path.Combine(_work, "curves.png");
        var (code, output, error) = CliRunner.Run("train", "--data", _data, "--layers", "32", "--epochs", "3", "--out", model, "--plot", plot, "--json");
        Assert.True(code == 0, error);
        JsonObject report = JsonNode.Parse(output)!.AsObject();
        Assert.True((double)report["test_accuracy"]! > 0.7, output);
        Assert.Equal(3, (int)report["epochs"]!);
        Assert.Equal(784 * 32 + 32 + 32 * 10 + 10, (long)report["parameters"]!);
        Assert.True((double)report["train_seconds"]! > 0);
        Assert.Contains("epoch 3/3", error);
        Assert.True(new FileInfo(plot).Length > 1000);

        var evaluation = CliRunner.Run("evaluate", "--model", model, "--data", _data, "--json");
        Assert.Equal(0, evaluation.Code);
        Assert.Equal((double)report["test_accuracy"]!, (double)JsonNode.Parse(evaluation.Out)!["accuracy"]!, 4);

        var text = CliRunner.Run("evaluate", "--model", model, "--data", _data);
        Assert.Contains("Accuracy", text.Out);
        Assert.Contains("precision    recall  f1-score   support", text.Out);
        Assert.Contains("Confusion matrix", text.Out);

        var prediction = CliRunner.Run("predict", "--model", model, "--input", Path.Combine(_data, "t10k-images-idx3-ubyte.gz"), "--limit", "3");
        Assert.Equal(0, prediction.Code);
        Assert.Matches(@"^sample +input +class +probability +next best\n0 +\S+t10k-images-idx3-ubyte\.gz\[0\] +\d +\d\.\d{3}", prediction.Out.ReplaceLineEndings("\n"));
        Assert.Contains("... 297 more", prediction.Out);

        string csv = Path.Combine(_work, "row.csv");
        File.WriteAllText(csv, string.Join(",", Enumerable.Repeat("0", 784)) + "\n");
        Assert.Equal(0, CliRunner.Run("predict", "--model", model, "--input", csv).Code);

        // A digit drawn dark on light, as a photo or a scan would be: inverted, resized and classified.
        string png = Path.Combine(_work, "digit.png");
        WriteDigitPng(png, TestData.Mnist10k.Test.Features.Row(0), 56);
        var fromImage = CliRunner.Run("predict", "--model", model, "--input", png);
        Assert.Equal(0, fromImage.Code);
        Assert.Matches($@"\n0 +\S+digit\.png +{TestData.Mnist10k.Test.RequireLabels()[0]} +\d\.\d{{3}}", fromImage.Out.ReplaceLineEndings("\n"));

        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Equal(0, summary.Code);
        Assert.Contains("dense_1 (dense)", summary.Out);
        Assert.Contains("25,120", summary.Out);
    }

    private static void WriteDigitPng(string path, ReadOnlySpan<float> pixels, int size)
    {
        using var bitmap = new SkiaSharp.SKBitmap(size, size, SkiaSharp.SKColorType.Gray8, SkiaSharp.SKAlphaType.Opaque);
        var gray = new byte[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                gray[y * size + x] = (byte)(255 - Math.Round(pixels[y * 28 / size * 28 + x * 28 / size] * 255));
            }
        }

        System.Runtime.InteropServices.Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        using var data = SkiaSharp.SKImage.FromBitmap(bitmap).Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void Full_batch_sgd_with_plain_output_prints_one_line_per_epoch_without_escape_codes()
    {
        string model = Path.Combine(_work, "gd.nabla");
        var (code, output, _) = CliRunner.Run("train", "--data", _data, "--layers", "10", "--loss", "categorical-cross-entropy", "--init", "uniform",
            "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "full", "--epochs", "4", "--out", model);
        Assert.Equal(0, code);
        Assert.Equal(4, output.Split('\n').Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.DoesNotContain("\u001b[", output);
        Assert.Contains("Test accuracy", output);
    }

    [Fact]
    public void Checkpoint_then_resume_matches_an_uninterrupted_run_bit_for_bit()
    {
        string[] common = ["train", "--data", _data, "--layers", "32", "--dropout", "0.2", "--batch-norm", "--optimizer", "adamw", "--l2", "0.0001", "--seed", "3", "--quiet"];
        string straight = Path.Combine(_work, "straight.nabla"), resumed = Path.Combine(_work, "resumed.nabla");
        string checkpoint = Path.Combine(_work, "checkpoint");
        Assert.Equal(0, CliRunner.Run([.. common, "--epochs", "4", "--out", straight]).Code);
        Assert.Equal(0, CliRunner.Run([.. common, "--epochs", "2", "--out", resumed, "--checkpoint", checkpoint, "--log", Path.Combine(_work, "h.csv")]).Code);
        var (code, output, error) = CliRunner.Run("train", "--resume", checkpoint, "--epochs", "4");
        Assert.True(code == 0, error);
        Assert.Contains("Resuming after epoch 2", output);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(_work, "h.csv")).Length);

        var a = Nabla.Serialization.ModelFile.Load(straight).Model;
        var b = Nabla.Serialization.ModelFile.Load(resumed).Model;
        Assert.Equal(a.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).SelectMany(p => p.Value),
            b.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).SelectMany(p => p.Value));
    }

    [Fact]
    public void Training_options_from_the_better_training_issue_are_accepted_and_summarized()
    {
        string model = Path.Combine(_work, "rich.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", _data, "--layers", "64,32", "--dropout", "0.1", "--batch-norm", "--optimizer", "rmsprop",
            "--schedule", "one-cycle", "--clip-norm", "1", "--clip-value", "0.5", "--val-split", "0.2", "--early-stopping", "--patience", "2",
            "--epochs", "3", "--out", model, "--json");
        Assert.True(code == 0, error);
        Assert.NotNull(JsonNode.Parse(output)!["best_epoch"]);
        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Contains("batch-norm_1 (batch-norm)", summary.Out);
        Assert.Contains("dropout_2 (dropout)", summary.Out);
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["train", "--epochs", "many"], "many" },
        { ["train", "--optimizer", "lbfgs"], "lbfgs" },
        { ["train", "--batch-size", "-3"], "--batch-size" },
        { ["train", "--data", "/nonexistent/folder"], "/nonexistent/folder" },
        { ["train", "--activation", "swish"], "swish" },
        { ["evaluate", "--model", "/nonexistent/m.nabla"], "/nonexistent/m.nabla" },
        { ["frobnicate"], "frobnicate" },
        { ["train", "--dropout", "1.5"], "--dropout" },
        { ["train", "--schedule", "warmup"], "warmup" },
        { ["train", "--loss", "hinge"], "hinge" },
        { ["train", "--early-stopping", "--monitor", "val_loss"], "--val-split" },
        { ["train", "--resume", "/nonexistent/checkpoint"], "/nonexistent/checkpoint" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_prints_one_line_and_exits_2_without_writing_a_model(string[] args, string mentioned)
    {
        string model = Path.Combine(_work, "never.nabla");
        var (code, output, error) = CliRunner.Run([.. args, .. args[0] == "train" && !args.Contains("--data") ? new[] { "--data", _data } : [], .. args[0] == "train" ? new[] { "--out", model } : []]);
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains(mentioned, error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(model));
        Assert.Equal("", output);
    }

    [Fact]
    public void A_model_whose_input_size_does_not_match_the_data_is_rejected()
    {
        string model = Path.Combine(_work, "small.nabla");
        var built = new Nabla.Models.Sequential(100).Add(new Nabla.Layers.Dense(10));
        built.Initialize(0);
        Nabla.Serialization.ModelFile.Save(model, built, new Nabla.Serialization.ModelMetadata(Enumerable.Range(0, 10).Select(i => $"{i}").ToArray(), 1f / 255, "cross-entropy"));
        var (code, _, error) = CliRunner.Run("evaluate", "--model", model, "--data", _data);
        Assert.Equal(2, code);
        Assert.Contains("100", error);
        Assert.Contains("784", error);
    }
}
