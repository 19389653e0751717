using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Serialization;

/// <summary>Model files keep the training history and settings (for nabla report), and files without them still load.</summary>
public sealed class TrainingHistoryFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-history-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void History_and_settings_round_trip_through_the_model_file()
    {
        Dataset data = TestData.Mnist10k.Train.Take(400);
        var model = new Sequential(1, 28, 28) { new Flatten(), new Dense(16), new ReLU(), new Dense(10) };
        model.Compile("cross-entropy", "adam", seed: 2);
        var stopping = new EarlyStopping("val_loss", patience: 1);
        TrainingHistory history = model.Fit(data, new TrainingOptions { Epochs = 6, BatchSize = 32, EarlyStopping = stopping }, data.Take(100));
        Assert.Same(history, model.Metadata.History);
        string path = Path.Combine(_folder, "m.nabla");
        KeyValuePair<string, string>[] settings = [new("optimizer", "adam"), new("lr", "0.001"), new("data", "a, \"quoted\" path")];
        ModelFile.Save(path, model, model.Metadata with { TrainingSettings = settings });

        ModelMetadata loaded = ModelFile.Load(path).Metadata;
        TrainingHistory copy = loaded.History!;
        Assert.Equal(history.Epochs.Count, copy.Epochs.Count);
        for (int i = 0; i < history.Epochs.Count; i++)
        {
            EpochReport a = history.Epochs[i], b = copy.Epochs[i];
            Assert.Equal((a.Epoch, a.TrainLoss, a.TrainAccuracy, a.ValidationLoss, a.ValidationAccuracy, a.LearningRate),
                (b.Epoch, b.TrainLoss, b.TrainAccuracy, b.ValidationLoss, b.ValidationAccuracy, b.LearningRate));
        }

        Assert.Equal(history.BestEpoch, copy.BestEpoch);
        Assert.NotNull(copy.BestEpoch);
        Assert.Equal(history.StoppedEarly, copy.StoppedEarly);
        Assert.Equal(settings, loaded.TrainingSettings);
    }

    [Fact]
    public void A_regression_history_keeps_its_missing_accuracy_missing()
    {
        var history = new TrainingHistory();
        history.Add(new EpochReport(1, 0.5, double.NaN, 0.6, double.NaN, 0.01, TimeSpan.FromSeconds(1.5)));
        TrainingHistory copy = TrainingHistory.FromJson(history.ToJson());
        Assert.True(double.IsNaN(copy.Epochs[0].TrainAccuracy));
        Assert.Null(copy.Epochs[0].ValidationAccuracy);
        Assert.Equal(0.6, copy.Epochs[0].ValidationLoss);
        Assert.Equal(TimeSpan.Zero, copy.Epochs[0].Elapsed); // times are not kept: the same run gives the same file
        Assert.DoesNotContain("accuracy", string.Join(",", copy.Epochs[0].Metrics().Keys));
        Assert.Throws<FormatException>(() => TrainingHistory.FromJson("{\"epochs\":[{\"loss\":1}]}"));
        // what a file leaves out reads back as missing and writes back the same
        string sparse = "{\"epochs\":[{\"epoch\":1,\"loss\":null,\"accuracy\":null,\"val_loss\":null,\"val_accuracy\":null,\"learning_rate\":null}],\"best_epoch\":null,\"stopped_early\":false,\"cancelled\":false}";
        Assert.Equal(sparse, TrainingHistory.FromJson(sparse.Replace(",\"learning_rate\":null", "", StringComparison.Ordinal)).ToJson());
        Assert.Throws<FormatException>(() => TrainingHistory.FromJson("[1, 2]"));
    }

    [Fact]
    public void A_model_saved_without_a_history_loads_without_one()
    {
        var model = new Sequential(4) { new Dense(2) };
        model.Initialize(seed: 0);
        string path = Path.Combine(_folder, "plain.nabla");
        ModelFile.Save(path, model, new ModelMetadata(["a", "b"], 1f, "cross-entropy"));
        ModelMetadata loaded = ModelFile.Load(path).Metadata;
        Assert.Null(loaded.History);
        Assert.Null(loaded.TrainingSettings);
    }
}
