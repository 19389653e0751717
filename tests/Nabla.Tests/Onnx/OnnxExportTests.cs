using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Nabla.Cli;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Onnx;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Xunit.Abstractions;
using ModelMetadata = Nabla.Serialization.ModelMetadata;
using Tensor = Nabla.Tensors.Tensor;

namespace Nabla.Tests.Onnx;

/// <summary>
/// Exported ONNX models run in ONNX Runtime (test project only) on raw inputs and give what nabla predict gives —
/// probabilities, values in the target's units, class indices — within 1e-5, for every layer kind.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-onnx-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>Runs <paramref name="onnx"/> on raw samples [count, shape…]: 'output' and, for a classifier, 'label'.</summary>
    private static (float[] Output, long[]? Labels) RunOnnx(byte[] onnx, float[] raw, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        Assert.Equal(OnnxExporter.InputName, session.InputMetadata.Keys.Single());
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(raw, shape);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, input)]);
        float[] values = results.Single(r => r.Name == OnnxExporter.OutputName).AsEnumerable<float>().ToArray();
        long[]? labels = results.FirstOrDefault(r => r.Name == OnnxExporter.LabelName)?.AsEnumerable<long>().ToArray();
        return (values, labels);
    }

    private double Compare(string what, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        output.WriteLine(FormattableString.Invariant($"{what}: max |ONNX − Nabla| = {worst:E2} over {expected.Length} values"));
        Assert.True(worst <= Tolerance, $"{what}: max abs difference {worst}");
        return worst;
    }

    private static float[] Raw(Dataset data, int count) => data.Features.Span[..(count * data.FeatureCount)].ToArray().Select(v => MathF.Round(v * 255f)).ToArray();

    [Fact]
    public void A_dense_digit_classifier_gives_predicts_probabilities_and_classes_from_raw_pixels()
    {
        string data = TestData.WriteSlice(1000, 200), model = Path.Combine(_work, "digits.nabla"), onnx = Path.Combine(_work, "digits.onnx");
        try
        {
            Assert.Equal(0, CliRunner.Run("train", "--data", data, "--layers", "32", "--epochs", "2", "--out", model, "--quiet").Code);
            var (code, text, error) = CliRunner.Run("export", "--model", model, "--format", "onnx", "--out", onnx);
            Assert.True(code == 0, error);
            Assert.Contains("opset 13", text);

            var (loaded, metadata) = ModelFile.Load(model);
            Dataset test = TestData.Mnist10k.Test.Take(200);
            Tensor expected = loaded.Predict(test.Features); // what predict computes from an IDX file (pixels × 1/255)
            var (values, labels) = RunOnnx(File.ReadAllBytes(onnx), Raw(test, 200), [200, 1, 28, 28]);
            Compare("dense 784-32-10", expected.Span.ToArray(), values);
            Assert.Equal(loaded.PredictClasses(test.Features), labels!.Select(l => (int)l));
            Assert.Equal(1f / 255, metadata.InputScale);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Every_layer_kind_exports_and_matches_in_a_model_with_batch_norm_dropout_reshape_and_a_softmax_layer()
    {
        var (model, metadata) = TestModels.EveryKind();
        var (convolutional, convolutionalMetadata) = TestModels.Convolutional();
        string[] builtIn = LayerRegistry.Types.Where(TestModels.IsBuiltIn).Select(t => t.Name).ToArray();
        Layer[] sequenceLayers = [.. TestModels.Recurrent().Model.Layers, .. TestModels.Text().Model.Layers];   // exported in the tests below
        Assert.Equal(builtIn.Order(), model.Layers.Concat(convolutional.Layers).Concat(sequenceLayers).Select(l => l.Kind).Distinct().Order());

        Dataset test = TestData.Mnist10k.Test.Take(100);
        var (values, labels) = RunOnnx(OnnxExporter.Export(model, metadata), Raw(test, 100), [100, 1, 28, 28]);
        Compare("every dense-network kind (reshape, dense on rank 2, leaky-relu, flatten, batch-norm, tanh, dropout, sigmoid, relu, softmax)", model.Predict(test.Features).Span.ToArray(), values);
        Assert.Equal(model.PredictClasses(test.Features), labels!.Select(l => (int)l));

        (values, labels) = RunOnnx(OnnxExporter.Export(convolutional, convolutionalMetadata), Raw(test, 100), [100, 1, 28, 28]);
        Compare("image kinds (conv2d valid/same/strided, batch-norm over channels, maxpool2d, avgpool2d, global-avgpool2d)", convolutional.Predict(test.Features).Span.ToArray(), values);
        Assert.Equal(convolutional.PredictClasses(test.Features), labels!.Select(l => (int)l));
    }

    [Fact]
    public void A_regression_model_takes_raw_csv_columns_and_gives_values_in_the_targets_units()
    {
        var text = new StringBuilder("id,a,b,c,y\n");
        var random = new Random(8);
        for (int i = 0; i < 300; i++)
        {
            double a = 10 * random.NextDouble(), b = 100 + 50 * random.NextDouble(), c = random.NextDouble();
            // every 23rd row misses b: predict imputes it with the training median, and so must the graph (NaN in)
            string bText = i % 23 == 5 ? "" : b.ToString("F2", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"r{i},{a:F3},{bText},{c:F4},{0.3 * a - 0.02 * b + 2 * c * c + 0.1 * random.NextDouble() + 3:F4}\n");
        }

        string csv = Path.Combine(_work, "values.csv"), model = Path.Combine(_work, "values.nabla"), onnx = Path.Combine(_work, "values.onnx");
        File.WriteAllText(csv, text.ToString());
        Assert.Equal(0, CliRunner.Run("train", "--data", csv, "--drop", "id", "--layers", "16,8", "--batch-norm", "--dropout", "0.1", "--epochs", "15", "--out", model, "--quiet").Code);
        Assert.Equal(0, CliRunner.Run("export", "--model", model, "--out", onnx).Code);

        var (loaded, metadata) = ModelFile.Load(model);
        Assert.Equal(TaskKind.Regression, metadata.Task);
        var (scaled, raw, _) = DataPreparation.LoadForEvaluation(csv, metadata, loaded.InputShape.Count);
        float[] expected = Reports.Unstandardize(loaded.Predict(scaled.Features).Span, metadata); // what predict prints
        float[] cells = raw.Table!.NumericMatrix();
        Assert.Equal(13, cells.Count(float.IsNaN));
        var (values, labels) = RunOnnx(File.ReadAllBytes(onnx), cells, [scaled.Count, 3]);
        Assert.Null(labels);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        Compare("regression 3-16-8-1 (standard scaler, batch norm, dropout, y·std + mean)", expected, values);
    }

    [Fact]
    public void A_binary_model_gives_the_probability_of_the_second_class_and_its_label()
    {
        var text = new StringBuilder("x1,x2,sick\n");
        var random = new Random(9);
        for (int i = 0; i < 200; i++)
        {
            double a = random.NextDouble() * 4 - 2, b = random.NextDouble() * 10;
            text.Append(CultureInfo.InvariantCulture, $"{a:F3},{b:F3},{(a + b / 5 > 1 ? "yes" : "no")}\n");
        }

        string csv = Path.Combine(_work, "sick.csv"), model = Path.Combine(_work, "sick.nabla");
        File.WriteAllText(csv, text.ToString());
        Assert.Equal(0, CliRunner.Run("train", "--data", csv, "--layers", "8", "--scale", "minmax", "--epochs", "20", "--batch-size", "64", "--out", model, "--quiet").Code);
        var (loaded, metadata) = ModelFile.Load(model);
        Assert.Equal(["no", "yes"], metadata.ClassNames);
        var (scaled, raw, _) = DataPreparation.LoadForEvaluation(csv, metadata, 2);
        var (values, labels) = RunOnnx(OnnxExporter.Export(loaded, metadata), raw.Table!.NumericMatrix(), [scaled.Count, 2]);
        Compare("binary 2-8-1 (min-max scaler, sigmoid)", loaded.Predict(scaled.Features).Span.ToArray(), values);
        Assert.Equal(loaded.PredictClasses(scaled.Features), labels!.Select(l => (int)l));
        Assert.Contains(1L, labels!);
        Assert.Contains(0L, labels!);
    }

    [Theory]
    [InlineData("--encoding", "onehot", "'color' is categorical (one-hot)")]
    [InlineData("--encoding", "hash", "'color' is categorical (hashed)")]
    [InlineData("--missing-indicator", "true", "'size' has a missing indicator")]
    public void A_table_model_with_categories_or_indicators_is_refused_in_one_line_and_nothing_is_written(string option, string value, string expected)
    {
        var text = new StringBuilder("size,color,kind\n");
        for (int i = 0; i < 60; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(i % 7 == 0 ? "NA" : (i % 10).ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "red" : "blue")},{(i % 2 == 0 ? "a" : "b")}\n");
        }

        string csv = Path.Combine(_work, "colors.csv"), model = Path.Combine(_work, "colors.nabla"), onnx = Path.Combine(_work, "colors.onnx");
        File.WriteAllText(csv, text.ToString());
        string[] train = option == "--missing-indicator" ? ["train", "--data", csv, "--drop", "color", option] : ["train", "--data", csv, option, value];
        Assert.Equal(0, CliRunner.Run([.. train, "--layers", "4", "--epochs", "2", "--out", model, "--quiet"]).Code);
        var (code, stdout, stderr) = CliRunner.Run("export", "--model", model, "--out", onnx);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(expected, stderr);
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void Image_rows_through_an_lstm_a_gru_and_a_simple_rnn_match_onnx_runtimes_recurrent_operators()
    {
        // ONNX's LSTM (gates i, o, f, c), GRU (z, r, h; linear_before_reset=1) and RNN, time-major, from PyTorch's order.
        var (model, metadata) = TestModels.Recurrent();
        Dataset test = TestData.Mnist10k.Test.Take(50);
        var (values, labels) = RunOnnx(OnnxExporter.Export(model, metadata), Raw(test, 50), [50, 1, 28, 28]);
        Compare("reshape(28,28) lstm(12, return_sequences) gru(10, return_sequences) simple-rnn(8) dense softmax, 28 steps",
            model.Predict(test.Features).Span.ToArray(), values);
        Assert.Equal(model.PredictClasses(test.Features), labels!.Select(l => (int)l));
    }

    [Fact]
    public void A_language_model_takes_token_ids_and_gives_a_distribution_and_a_label_at_every_step()
    {
        // Embedding → Gather on the ids cast to int64; the softmax and the argmax act on the last axis.
        var (model, metadata) = TestModels.Text(steps: 9);
        var random = new Random(12);
        float[] ids = Enumerable.Range(0, 7 * 9).Select(_ => (float)random.Next(6)).ToArray();
        var x = new Tensor(ids, new Shape(7, 9));
        var (values, labels) = RunOnnx(OnnxExporter.Export(model, metadata), ids, [7, 9]);
        float[] expected = model.Predict(x).Span.ToArray();
        Compare("embedding(5) gru(7) lstm(6) dense(6) per step, softmax over the vocabulary", expected, values);
        Assert.Equal(7 * 9, labels!.Length);
        for (int p = 0; p < labels.Length; p++)
        {
            ReadOnlySpan<float> row = expected.AsSpan(p * 6, 6);
            Assert.Equal(row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row)), (int)labels[p]);
        }
    }

    [Fact]
    public void A_forecasting_model_takes_the_raw_window_and_gives_the_next_values_in_the_targets_units()
    {
        // What nabla predict computes after the end of a series: the window scaled, the GRU, y·std + mean.
        var text = new StringBuilder("date,sales,price\n");
        for (int t = 0; t < 120; t++)
        {
            double season = Math.Sin(2 * Math.PI * t / 12);
            text.Append(CultureInfo.InvariantCulture, $"{new DateTime(2000, 1, 1).AddMonths(t):yyyy-MM-dd},{20 + 6 * season + 0.01 * t:F3},{1 + 0.1 * season:F3}\n");
        }

        string csv = Path.Combine(_work, "sales.csv"), model = Path.Combine(_work, "sales.nabla");
        File.WriteAllText(csv, text.ToString());
        var run = CliRunner.Run("train", "--data", csv, "--task", "forecast", "--target", "sales", "--window", "12", "--horizon", "3", "--arch", "gru(8)", "--epochs", "3", "--out", model, "--quiet");
        Assert.True(run.Code == 0, run.Error);
        var (loaded, metadata) = ModelFile.Load(model);
        TimeSeries series = TimeSeries.Load(csv, new TimeSeriesOptions { Columns = metadata.Forecast!.Columns, DateColumn = "date" });
        float[] raw = series.Values.AsSpan(series.Values.Length - 4 * 12 * 2).ToArray();   // the last 48 steps as 4 windows of 12 steps × 2 columns
        var scaled = new Tensor(raw.ToArray(), new Shape(4, 12, 2));
        metadata.ScaleInputs(scaled.Span);
        float[] expected = Reports.Unstandardize(loaded.Predict(scaled).Span, metadata);
        string onnx = Path.Combine(_work, "sales.onnx");
        var export = CliRunner.Run("export", "--model", model, "--out", onnx);
        Assert.True(export.Code == 0, export.Error);
        Assert.True(export.Out.Contains("[batch, 3] the next 3 value(s) of sales", StringComparison.Ordinal), export.Out);
        var (values, labels) = RunOnnx(File.ReadAllBytes(onnx), raw, [4, 12, 2]);
        Assert.Null(labels);
        Compare("forecast window 12 × 2 columns → gru(8) → 3 steps (scaler, y·std + mean)", expected, values);
    }

    [Fact]
    public void Every_built_in_layer_kind_has_an_onnx_mapping()
    {
        string[] missing = LayerRegistry.Types.Where(TestModels.IsBuiltIn).Where(t => OnnxLayerMappings.Find(t) is null).Select(t => t.Name).ToArray();
        Assert.True(missing.Length == 0, $"layer kinds without an ONNX mapping (add them to OnnxLayerMappings): {string.Join(", ", missing)}");
    }

    [Fact]
    public void A_kind_without_a_mapping_is_refused_in_one_line_naming_it_and_nothing_is_written()
    {
        LayerRegistry.Register(Halve.Definition);
        var model = new Sequential(4) { new Dense(3), new Halve(), new Dense(2) };
        model.Initialize(0);
        var metadata = new ModelMetadata(["a", "b"], 1f, "cross-entropy");
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, metadata));
        Assert.Contains("onnx-test-halve_1 (onnx-test-halve)", error.Message);
        Assert.Contains("dense", error.Message);

        string path = Path.Combine(_work, "halve.nabla"), onnx = Path.Combine(_work, "halve.onnx");
        ModelFile.Save(path, model, metadata);
        var (code, stdout, stderr) = CliRunner.Run("export", "--model", path, "--out", onnx);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("'onnx-test-halve' has no ONNX mapping", stderr);
        Assert.False(File.Exists(onnx));

        // a user's mapping makes it exportable
        OnnxLayerMappings.Register(Halve.Definition, (layer, graph, x) => graph.Node("Mul", [x, graph.Constant("half", [0.5f])]));
        var (values, _) = RunOnnx(OnnxExporter.Export(model, metadata), [1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
        Compare("a user's own kind", model.Predict(new Tensor([1, 2, 3, 4, 5, 6, 7, 8], new Shape(2, 4))).Span.ToArray(), values);
        Assert.Equal(2, CliRunner.Run("export", "--model", path, "--format", "tflite", "--out", onnx).Code);
    }

    /// <summary>y = x/2: a user's layer kind that ONNX export does not know.</summary>
    private sealed class Halve : Activation
    {
        public static LayerType Definition { get; } = new("onnx-test-halve", "y = x/2", [], _ => new Halve());

        public override LayerType Type => Definition;

        protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => System.Numerics.Tensors.TensorPrimitives.Multiply(x, 0.5f, y);

        protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => System.Numerics.Tensors.TensorPrimitives.Multiply(dY, 0.5f, dX);
    }
}
