using Nabla.Data;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Data;

/// <summary>Datasets kept as bytes (IDX images) must behave exactly like the same data as floats.</summary>
public sealed class DatasetTests
{
    private static (Dataset Compact, Dataset Floats) Pair(int count)
    {
        string folder = TestData.WriteSlice(count, 10);
        try
        {
            Dataset compact = Mnist.LoadFolder(folder).Train;
            Dataset floats = new(Mnist.ReadImages(Path.Combine(folder, "train-images-idx3-ubyte.gz")), compact.RequireLabels(), compact.ClassCount);
            return (compact, floats);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Idx_images_stay_bytes_until_someone_asks_for_floats()
    {
        var (compact, floats) = Pair(300);
        Assert.True(compact.IsCompact);
        Assert.False(floats.IsCompact);
        Assert.Equal(784, compact.FeatureCount);
        Assert.Equal(new Shape(300, 1, 28, 28), compact.FeatureShape);
        Assert.Equal(new Shape(1, 28, 28), compact.SampleShape);
        int[] rows = [299, 0, 17, 17];
        float[] fromBytes = new float[rows.Length * 784];
        float[] fromFloats = new float[rows.Length * 784];
        compact.CopyFeatures(rows, fromBytes);
        floats.CopyFeatures(rows, fromFloats);
        Assert.Equal(fromFloats, fromBytes);
        Assert.True(compact.IsCompact);

        Dataset subset = compact.Subset([5, 3]);
        Assert.True(subset.IsCompact);
        Assert.Equal(floats.Features.Row(3).ToArray(), subset.Features.Row(1).ToArray());
        Assert.Equal(floats.Features.Span.ToArray(), compact.Features.Span.ToArray());
        Assert.False(compact.IsCompact);

        // once expanded, the float tensor is the data: a change to it is seen by batches
        compact.Features[2, 5] = 42f;
        float[] row = new float[784];
        compact.CopyFeatures([2], row);
        Assert.Equal(42f, row[5]);
        Assert.Throws<ArgumentException>(() => compact.CopyFeatures([0, 1], new float[784]));
    }

    [Theory]
    [InlineData(0, false)] // full batch: chunks of ≤ 512 rows expanded where floats are read in place
    [InlineData(32, true)] // shuffled mini-batches
    [InlineData(600, true)] // shuffled batches of two chunks, on the model and its replica
    public void Training_on_bytes_gives_the_same_weights_as_training_on_floats(int batchSize, bool shuffle)
    {
        var (compact, floats) = Pair(1100);
        float[] Train(Dataset data)
        {
            var model = new Sequential(784).Add(new Dense(16)).Add(new ReLU()).Add(new Dense(10));
            model.Initialize(3);
            Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters, 1e-3f), data,
                new TrainingOptions { Epochs = 2, BatchSize = batchSize, Seed = 1, Shuffle = shuffle });
            return [.. model.Parameters.SelectMany(p => p.Value)];
        }

        Assert.Equal(Train(floats), Train(compact));
        Assert.True(compact.IsCompact);
        EvaluationResult a = Evaluator.Evaluate(Untrained(), new SoftmaxCrossEntropy(), floats);
        EvaluationResult b = Evaluator.Evaluate(Untrained(), new SoftmaxCrossEntropy(), compact);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Outputs.Span.ToArray(), b.Outputs.Span.ToArray());
    }

    [Theory]
    [InlineData(0, false)] // the tutorials' full batch
    [InlineData(100, true)] // shuffled mini-batches: the byte kernels follow the shuffled row indices
    public void A_small_first_layer_reads_the_bytes_in_place_and_trains_like_floats(int batchSize, bool shuffle)
    {
        var (compact, floats) = Pair(1100);
        (float[] Weights, TrainingHistory History) Train(Dataset data)
        {
            var model = new Sequential(784).Add(new Dense(10, Initializer.Uniform)).Add(new ReLU()).Add(new Dense(10, Initializer.Uniform)).Add(new Softmax());
            model.Initialize(0);
            Assert.Equal(GemmSmallN.BytesSupported, model.AcceptsByteRows);
            TrainingHistory history = Trainer.Fit(model, new CategoricalCrossEntropy(), new GradientDescent(model.Parameters, 0.1f), data,
                new TrainingOptions { Epochs = 20, BatchSize = batchSize, Seed = 1, Shuffle = shuffle });
            return ([.. model.Parameters.SelectMany(p => p.Value)], history);
        }

        var (fromFloats, floatHistory) = Train(floats);
        var (fromBytes, byteHistory) = Train(compact);
        Assert.True(compact.IsCompact);

        // dW sums in another order than the float path, so the runs agree to rounding, not bit for bit
        for (int i = 0; i < fromFloats.Length; i++)
        {
            Assert.Equal(fromFloats[i], fromBytes[i], 1e-4f);
        }

        Assert.Equal(floatHistory.Epochs[^1].TrainLoss, byteHistory.Epochs[^1].TrainLoss, 1e-4);
        Assert.True(byteHistory.Epochs[^1].TrainLoss < byteHistory.Epochs[0].TrainLoss * 0.8);

        // and the byte path itself is reproducible
        Assert.Equal(fromBytes, Train(compact).Weights);
    }

    [Theory]
    [InlineData(0, false)] // full batch: the model and its replica take chunks of 512 and 76 rows
    [InlineData(100, true)] // shuffled mini-batches of one chunk each
    public void Features_expanded_during_training_leave_the_batches_right(int batchSize, bool shuffle)
    {
        // A dataset can be shared: another thread (a parallel test, a user's grid search) may ask for its floats while a
        // training run reads its bytes in place. The batches must then still be the rows asked for — they once stayed on
        // the last byte rows read (a 76-row chunk where 512 were asked, or a mini-batch of other samples).
        var (compact, floats) = Pair(1100);
        float[] Train(Dataset data, ITrainingCallback[] callbacks)
        {
            var model = new Sequential(784).Add(new Dense(10, Initializer.Uniform)).Add(new ReLU()).Add(new Dense(10, Initializer.Uniform)).Add(new Softmax());
            model.Initialize(0);
            Trainer.Fit(model, new CategoricalCrossEntropy(), new GradientDescent(model.Parameters, 0.1f), data,
                new TrainingOptions { Epochs = 6, BatchSize = batchSize, Seed = 1, Shuffle = shuffle, Callbacks = callbacks });
            return [.. model.Parameters.SelectMany(p => p.Value)];
        }

        float[] expected = Train(floats, []);
        float[] expandedMidway = Train(compact, [new ExpandAt(compact, epoch: 3)]);
        Assert.False(compact.IsCompact);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], expandedMidway[i], 1e-4f);
        }
    }

    [Fact]
    public void Features_and_targets_made_on_first_use_are_one_tensor_for_all_threads()
    {
        var (compact, _) = Pair(300);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            Dataset data = compact.Subset(Enumerable.Range(0, 300).ToArray());
            using var start = new Barrier(4);
            var seen = new (Tensor Features, Tensor Targets)[4];
            Thread[] readers = [.. Enumerable.Range(0, 4).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                seen[i] = (data.Features, data.Targets);
            }))];
            Array.ForEach(readers, t => t.Start());
            Array.ForEach(readers, t => t.Join());
            Assert.All(seen, r => Assert.Same(data.Features, r.Features));
            Assert.All(seen, r => Assert.Same(data.Targets, r.Targets));
        }
    }

    private sealed class ExpandAt(Dataset data, int epoch) : ITrainingCallback
    {
        public void OnEpochBegin(TrainingSession session, int current)
        {
            if (current == epoch)
            {
                GC.KeepAlive(data.Features);
            }
        }
    }

    private static Sequential Untrained()
    {
        var model = new Sequential(784).Add(new Dense(10, Initializer.HeNormal));
        model.Initialize(5);
        return model;
    }
}
