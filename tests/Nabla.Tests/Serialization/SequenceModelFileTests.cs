using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Tests.Serialization;

public sealed class SequenceModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-sequence-model-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Every_recurrent_kind_and_the_embedding_round_trip_with_the_vocabulary()
    {
        var model = new Sequential(6)
        {
            new Embedding(5, 4), new SimpleRnn(3, returnSequences: true), new Lstm(4, returnSequences: true, truncate: 2),
            new Gru(5, returnSequences: true), new Dense(5),
        };
        model.Initialize(3);
        model.OutputTransform = OutputTransform.Softmax;
        string[] vocabulary = ["\n", "a", "b", "c", "é"];
        string path = Path.Combine(_folder, "text.nabla");
        ModelFile.Save(path, model, new ModelMetadata(vocabulary, 1f, "sparse-cross-entropy") { Task = TaskKind.Text });

        var (loaded, metadata) = ModelFile.Load(path);
        var x = new Tensor([0f, 1f, 2f, 3f, 4f, 0f, 0f, 4f, 4f, 1f, 0f, 0f], new Shape(2, 6));
        Assert.Equal(model.PredictProbabilities(x).Span.ToArray(), loaded.PredictProbabilities(x).Span.ToArray());
        Assert.Equal(vocabulary, metadata.ClassNames);
        Assert.Equal(TaskKind.Text, metadata.Task);
        Assert.Equal(model.Layers.Select(l => l.Settings), loaded.Layers.Select(l => l.Settings));
        var lstm = (Lstm)loaded.Layers[2];
        Assert.True(lstm.ReturnSequences);
        Assert.Equal(2, lstm.Truncate);
        Assert.Equal(((Gru)model.Layers[3]).RecurrentBias.Value, ((Gru)loaded.Layers[3]).RecurrentBias.Value);
        Assert.Equal(new Shape(6, 5), loaded.OutputShape);
    }

    [Fact]
    public void A_forecasting_model_keeps_its_window_columns_and_scaling()
    {
        var model = new Sequential(4, 2) { new Gru(3), new Dense(2) };
        model.Initialize(1);
        var scaler = new Scaler(ScalingKind.Standard, [1, 2, 1, 2, 1, 2, 1, 2], [0.5f, 0.25f, 0.5f, 0.25f, 0.5f, 0.25f, 0.5f, 0.25f]);
        var settings = new ForecastSettings(4, 2, 7, ["temp", "rain"], "date");
        string path = Path.Combine(_folder, "forecast.nabla");
        ModelFile.Save(path, model, new ModelMetadata([], 1f, "mse") { Task = TaskKind.Regression, Scaler = scaler, TargetName = "temp", TargetMean = 12.5, TargetStd = 3, Forecast = settings });

        var (_, metadata) = ModelFile.Load(path);
        Assert.Equal(settings.Window, metadata.Forecast!.Window);
        Assert.Equal(settings.Horizon, metadata.Forecast.Horizon);
        Assert.Equal(settings.Season, metadata.Forecast.Season);
        Assert.Equal(settings.Columns, metadata.Forecast.Columns);
        Assert.Equal("date", metadata.Forecast.DateColumn);
        Assert.Equal(scaler.Offset, metadata.Scaler!.Offset);
        Assert.Equal(12.5, metadata.TargetMean);
        Assert.Equal("temp", metadata.TargetName);   // kept without feature names (a forecast reads windows of columns)
    }
}
