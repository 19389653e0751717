using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Cli;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Serialization;

/// <summary>examples/nabla_reader.py (standard library + NumPy) reads model files as docs/MODEL_FORMAT.md describes them
/// and computes what nabla predict computes; its PyTorch recipe (W transposed into nn.Linear) does too.</summary>
public sealed class PythonReaderTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-python-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string Reader => Path.Combine(TestData.RepositoryRoot, "examples", "nabla_reader.py");

    private string WriteRows(ReadOnlySpan<float> values, int width)
    {
        var text = new StringBuilder();
        for (int i = 0; i < values.Length; i += width)
        {
            text.AppendJoin(",", values.Slice(i, width).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }

        string path = Path.Combine(_work, $"rows{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static float[] Predictions(string json) =>
        JsonNode.Parse(json)!["predictions"]!.AsArray().SelectMany(row => row!.AsArray().Select(v => (float)(double)v!)).ToArray();

    private static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        Assert.True(worst <= tolerance, $"max abs difference {worst}");
    }

    private (string Model, string Rows, float[] Expected) EveryKindFile()
    {
        var (model, metadata) = TestModels.EveryKind();
        string path = Path.Combine(_work, "every.nabla");
        ModelFile.Save(path, model, metadata);
        Dataset test = TestData.Mnist10k.Test.Take(40);
        float[] raw = test.Features.Span.ToArray().Select(v => MathF.Round(v * 255)).ToArray();
        return (path, WriteRows(raw, 784), model.Predict(test.Features).Span.ToArray());
    }

    [PythonFact]
    public void The_numpy_reader_checks_the_file_and_predicts_what_nabla_predicts_for_every_layer_kind()
    {
        var (model, rows, expected) = EveryKindFile();
        string json = Python.Run(Reader, model, rows);
        JsonObject result = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("[28,16]", result["tensors"]!["dense_1.weight"]!.ToJsonString()); // [in, out], after reshape(28, 28)
        Assert.Equal("[24]", result["tensors"]!["batch-norm_1.running_var"]!.ToJsonString());
        Assert.Equal("nabla", (string)result["metadata"]!["format"]!);
        AssertClose(expected, Predictions(json));

        // a flipped bit in the data is caught by data_sha256
        byte[] bytes = File.ReadAllBytes(model);
        bytes[^5] ^= 0x10;
        string damaged = Path.Combine(_work, "damaged.nabla");
        File.WriteAllBytes(damaged, bytes);
        var start = new System.Diagnostics.ProcessStartInfo(Python.Path, [Reader, damaged]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("data_sha256", error);

        // and an edited header (the same length, still valid JSON) by header_sha256
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(model));
        Assert.Contains("\"format_version\":\"2\"", text);
        string edited = Path.Combine(_work, "edited.nabla");
        File.WriteAllBytes(edited, System.Text.Encoding.Latin1.GetBytes(text.Replace("categorical-cross-entropy", "categorical-cross-entropx", StringComparison.Ordinal)));
        using var second = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Python.Path, [Reader, edited]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string secondError = second.StandardError.ReadToEnd();
        second.WaitForExit();
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("header_sha256", secondError);
    }

    [PythonFact]
    public void The_numpy_reader_applies_the_scaler_and_maps_regression_values_back()
    {
        var text = new StringBuilder("a,b,y\n");
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            double a = 10 * random.NextDouble(), b = 100 + 50 * random.NextDouble();
            text.Append(CultureInfo.InvariantCulture, $"{a:F3},{b:F2},{0.3 * a - 0.02 * b + 0.1 * random.NextDouble() + 3:F4}\n");
        }

        string csv = Path.Combine(_work, "values.csv"), modelPath = Path.Combine(_work, "values.nabla");
        File.WriteAllText(csv, text.ToString());
        Assert.Equal(0, CliRunner.Run("train", "--data", csv, "--layers", "8", "--batch-norm", "--epochs", "10", "--out", modelPath, "--quiet").Code);
        var (model, metadata) = ModelFile.Load(modelPath);
        var (scaled, raw, _) = DataPreparation.LoadForEvaluation(csv, metadata, 2);
        string json = Python.Run(Reader, modelPath, WriteRows(raw.Table!.NumericMatrix(), 2));
        AssertClose(Reports.Unstandardize(model.Predict(scaled.Features).Span, metadata), Predictions(json));
        Assert.Equal("standard", (string)JsonNode.Parse(json)!["metadata"]!["scaling"]!);
        Assert.Equal("10", (string)JsonNode.Parse(json)!["metadata"]!["training_settings"]!["epochs"]!);
    }

    [PythonFact]
    public void The_examples_readme_command_reads_the_xor_model()
    {
        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv"), model = Path.Combine(_work, "xor.nabla");
        Assert.Equal(0, CliRunner.Run("train", "--data", xor, "--test-split", "0", "--scale", "none", "--layers", "10", "--activation", "sigmoid",
            "--optimizer", "adam", "--lr", "0.05", "--batch-size", "full", "--epochs", "1000", "--out", model, "--quiet").Code);
        float[] p = Predictions(Python.Run(Reader, model, Path.Combine(TestData.RepositoryRoot, "examples", "xor-rows.csv")));
        Assert.Equal([0, 1, 1, 0], p.Select(v => v > 0.5f ? 1 : 0));
    }

    [PythonFact(Torch = true)]
    public void The_pytorch_recipe_with_transposed_dense_weights_predicts_what_nabla_predicts()
    {
        var (model, rows, expected) = EveryKindFile();
        AssertClose(expected, Predictions(Python.Run(Reader, model, rows, "--torch")));
    }
}
