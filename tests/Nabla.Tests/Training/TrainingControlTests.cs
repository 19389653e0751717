using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Schedules;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Training;

public sealed class TrainingControlTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-control-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Sequential Model(int seed)
    {
        var model = new Sequential(784).Add(new Dense(32)).Add(new BatchNorm()).Add(new ReLU()).Add(new Dropout(0.2f)).Add(new Dense(10));
        model.Initialize(seed);
        return model;
    }

    private static TrainingOptions Options(IReadOnlyList<ITrainingCallback>? callbacks = null) => new()
    {
        Epochs = 4, BatchSize = 50, Seed = 5, L2 = 1e-3f, ClipNorm = 5f,
        Schedule = new CosineSchedule(), EarlyStopping = new EarlyStopping("val_loss", patience: 10),
        Callbacks = callbacks ?? [],
    };

    [Fact]
    public void A_run_interrupted_after_two_epochs_and_resumed_ends_bit_identical()
    {
        var (train, validation) = TestData.Mnist10k.Train.Take(600).SplitValidation(0.2, 1);
        var metadata = new ModelMetadata([.. Enumerable.Range(0, 10).Select(i => $"{i}")], Mnist.PixelScale, "cross-entropy");

        Sequential straight = Model(3);
        new TrainingSession(straight, new SoftmaxCrossEntropy(), new Adam(straight.Parameters), Options()).Run(train, validation);

        Sequential first = Model(3);
        using var cancel = new CancellationTokenSource();
        var stopAfterTwo = new StopAfter(2, cancel);
        var session = new TrainingSession(first, new SoftmaxCrossEntropy(), new Adam(first.Parameters),
            Options([new CheckpointCallback(_folder, metadata, "test"), stopAfterTwo]));
        TrainingHistory partial = session.Run(train, validation, cancellationToken: cancel.Token);
        Assert.Equal(2, partial.Epochs.Count);

        Checkpoint.Data data = Checkpoint.Load(_folder);
        Assert.Equal("test", Checkpoint.Settings(data));
        var resumed = new TrainingSession(data.Model, new SoftmaxCrossEntropy(), new Adam(data.Model.Parameters), Options());
        Checkpoint.Restore(resumed, data);
        Assert.Equal(2, resumed.CompletedEpochs);
        TrainingHistory history = resumed.Run(train, validation);
        Assert.Equal(4, history.Epochs.Count);

        float[] expected = straight.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).SelectMany(p => p.Value).ToArray();
        float[] actual = data.Model.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).SelectMany(p => p.Value).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Early_stopping_restores_the_best_weights_even_when_patience_never_ran_out()
    {
        var (train, validation) = TestData.Mnist10k.Train.Take(400).SplitValidation(0.25, 2);
        var model = new Sequential(784).Add(new Dense(16)).Add(new ReLU()).Add(new Dense(10));
        model.Initialize(1);
        var snapshots = new SnapshotEachEpoch();
        // A learning rate so high that validation loss worsens after the first epochs.
        TrainingHistory history = new TrainingSession(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters, 0.05f),
            new TrainingOptions { Epochs = 6, BatchSize = 20, EarlyStopping = new EarlyStopping("val_loss", patience: 100), Callbacks = [snapshots] })
            .Run(train, validation);
        int best = history.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch;
        Assert.Equal(best, history.BestEpoch);
        Assert.False(history.StoppedEarly);
        Assert.Equal(snapshots.Weights[best - 1], model.Parameters[0].Value);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement()
    {
        Dataset train = TestData.Mnist10k.Train.Take(200);
        var model = new Sequential(784).Add(new Dense(10));
        model.Initialize(1);
        // The learning rate is zero: the loss never improves after the first epoch (only the summation order of its
        // batches changes with the shuffling, hence a min-delta above rounding).
        TrainingHistory history = Trainer.Fit(model, new SoftmaxCrossEntropy(), new GradientDescent(model.Parameters, 0f), train,
            new TrainingOptions { Epochs = 20, EarlyStopping = new EarlyStopping("loss", patience: 3, minDelta: 1e-6) });
        Assert.True(history.StoppedEarly);
        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal(1, history.BestEpoch);
    }

    [Fact]
    public void L2_and_clipping_change_the_gradient_as_specified()
    {
        Dataset train = TestData.Mnist10k.Train.Take(10);
        float[] Step(TrainingOptions options)
        {
            var model = new Sequential(784).Add(new Dense(10));
            model.Initialize(4);
            var capture = new CaptureGradient(model.Parameters[0]);
            new TrainingSession(model, new SoftmaxCrossEntropy(), capture, options with { Epochs = 1, BatchSize = 0 }).Run(train);
            return capture.Captured!;
        }

        var plain = Step(new TrainingOptions());
        var model0 = new Sequential(784).Add(new Dense(10));
        model0.Initialize(4);
        float[] w = model0.Parameters[0].Value;
        float[] withL2 = Step(new TrainingOptions { L2 = 0.5f });
        Assert.Equal(plain[100] + 0.5f * w[100] / 10, withL2[100], 6);

        float[] clippedValue = Step(new TrainingOptions { ClipValue = 1e-3f });
        Assert.All(clippedValue, g => Assert.InRange(g, -1e-3f, 1e-3f));
        float[] clippedNorm = Step(new TrainingOptions { ClipNorm = 0.01f });
        Assert.Equal(0.01, Math.Sqrt(clippedNorm.Sum(g => (double)g * g)), 3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // compact bytes: the first layer reads them in place
    public void A_full_batch_split_over_chunks_and_replicas_gives_the_whole_batch_gradient(bool compact)
    {
        // 1,300 rows: three chunks of ≤ 512, two on the model and one on its replica, summed before the step
        Dataset train = TestData.Mnist10k.Train.Take(1300);
        if (!compact)
        {
            train = new Dataset(train.Features.Clone(), train.RequireLabels(), train.ClassCount);
        }

        Sequential Build()
        {
            var model = new Sequential(784).Add(new Dense(10)).Add(new ReLU()).Add(new Dropout(0.3f)).Add(new Dense(10));
            model.Initialize(4);
            return model;
        }

        Sequential trained = Build();
        var captures = trained.Parameters.Select(p => new CaptureGradient(p)).ToArray();
        new TrainingSession(trained, new SoftmaxCrossEntropy(), new Capturing(captures), new TrainingOptions { Epochs = 1, BatchSize = 0 }).Run(train);

        // the same batch in one forward and backward pass, chunk by chunk only for dropout's masks (they depend on the
        // chunk): here one pass per 512 rows into the same gradients, as a single thread would do it
        Sequential reference = Build();
        Tensor x = TestData.Mnist10k.Train.Take(1300).Features;
        Tensor t = train.Targets;
        reference.OutputTransform = OutputTransform.Softmax;
        for (int start = 0, chunk = 0; start < 1300; start += 512, chunk++)
        {
            int rows = Math.Min(512, 1300 - start);
            Tensor output = reference.Forward(x.RowRange(start, rows), ForwardContext.ForTraining(chunk));
            var gradient = new Tensor(rows, 10);
            new SoftmaxCrossEntropy().Compute(output.Span, t.RowRange(start, rows).Span, 10, gradient.Span);
            TensorMath.Scale((float)rows / 1300, gradient.Span);
            reference.Backward(gradient);
        }

        for (int i = 0; i < captures.Length; i++)
        {
            float[] expected = reference.Parameters[i].Gradient;
            float[] actual = captures[i].Captured!;
            float scale = expected.Max(MathF.Abs);
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(MathF.Abs(expected[j] - actual[j]) <= 1e-5f * scale, $"parameter {i}, [{j}]: {actual[j]} vs {expected[j]}");
            }
        }
    }

    [Fact]
    public void Softmax_then_categorical_cross_entropy_trains_with_the_fused_logit_gradient()
    {
        Dataset train = TestData.Mnist10k.Train.Take(300);
        Sequential Build()
        {
            var model = new Sequential(784).Add(new Dense(16)).Add(new Tanh()).Add(new Dense(10)).Add(new Softmax());
            model.Initialize(8);
            return model;
        }

        Sequential trained = Build();
        var captures = trained.Parameters.Select(p => new CaptureGradient(p)).ToArray();
        new TrainingSession(trained, new CategoricalCrossEntropy(), new Capturing(captures), new TrainingOptions { Epochs = 1, BatchSize = 0 }).Run(train);

        // the unfused chain: CCE's gradient on the probabilities, back through the softmax layer's Jacobian
        Sequential reference = Build();
        Tensor output = reference.Forward(train.Features, training: true);
        var gradient = new Tensor(300, 10);
        new CategoricalCrossEntropy().Compute(output.Span, train.Targets.Span, 10, gradient.Span);
        reference.Backward(gradient);
        for (int i = 0; i < captures.Length; i++)
        {
            float[] expected = reference.Parameters[i].Gradient;
            float scale = expected.Max(MathF.Abs);
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(MathF.Abs(expected[j] - captures[i].Captured![j]) <= 1e-5f * scale, $"parameter {i}, [{j}]");
            }
        }
    }

    [Fact]
    public void A_model_with_a_layer_type_of_its_own_trains_full_batch_without_a_replica()
    {
        // a replica is made by re-creating the library's layer types; a user's own layer type means no replica
        Dataset data = TestData.Mnist10k.Train.Take(1100);
        var model = new Sequential(784).Add(new Dense(10)).Add(new Doubling()).Add(new ReLU()).Add(new Dense(10));
        model.Initialize(0);
        TrainingHistory history = Trainer.Fit(model, new SoftmaxCrossEntropy(), new GradientDescent(model.Parameters, 0.05f), data,
            new TrainingOptions { Epochs = 10, BatchSize = 0 });
        Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss);
    }

    [Fact]
    public void A_non_finite_loss_in_a_replica_chunk_stops_training_without_a_step()
    {
        Dataset data = TestData.Mnist10k.Train.Take(1300);
        data.Features.Span[600 * 784 + 300] = float.NaN; // row 600: the second chunk, run by the replica
        var model = new Sequential(784).Add(new Dense(10)).Add(new Sigmoid()).Add(new Dense(10));
        model.Initialize(0);
        float[] before = [.. model.Parameters.SelectMany(p => p.Value)];
        var error = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Fit(model, new SoftmaxCrossEntropy(), new GradientDescent(model.Parameters, 0.1f), data, new TrainingOptions { Epochs = 1, BatchSize = 0 }));
        Assert.Contains("epoch 1, batch 1 of 1", error.Message);
        Assert.Equal(before, model.Parameters.SelectMany(p => p.Value));
    }

    [Fact]
    public void History_csv_has_epoch_then_sorted_metric_columns()
    {
        var (train, validation) = TestData.Mnist10k.Train.Take(200).SplitValidation(0.5, 0);
        var model = new Sequential(784).Add(new Dense(10));
        model.Initialize(0);
        string path = Path.Combine(_folder, "history.csv");
        Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters), train,
            new TrainingOptions { Epochs = 2, Schedule = new ExponentialSchedule(0.5f), Callbacks = [new HistoryCsvCallback(path)] }, validation);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("2,", lines[2]);
        Assert.Contains(",0.0005", lines[2]);
    }

    [Fact]
    public void Model_files_keep_dropout_and_batch_norm_statistics()
    {
        Sequential model = Model(8);
        Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters), TestData.Mnist10k.Train.Take(200), new TrainingOptions { Epochs = 1 });
        string path = Path.Combine(_folder, "bn.nabla");
        ModelFile.Save(path, model, new ModelMetadata([.. Enumerable.Range(0, 10).Select(i => $"{i}")], 1f, "cross-entropy"));
        var (loaded, _) = ModelFile.Load(path);
        Assert.Equal(((BatchNorm)model.Layers[1]).RunningVariance.Value, ((BatchNorm)loaded.Layers[1]).RunningVariance.Value);
        var x = TestData.Mnist10k.Test.Take(20).Features;
        Assert.Equal(model.PredictProbabilities(x).Span.ToArray(), loaded.PredictProbabilities(x).Span.ToArray());
    }

    private sealed class StopAfter(int epochs, CancellationTokenSource cancel) : ITrainingCallback
    {
        public void OnEpochEnd(TrainingSession session, EpochReport report)
        {
            if (report.Epoch == epochs)
            {
                cancel.Cancel();
            }
        }
    }

    /// <summary>The first layer's weights after the last batch of each epoch (before any restore).</summary>
    private sealed class SnapshotEachEpoch : ITrainingCallback
    {
        public List<float[]> Weights { get; } = [];

        public void OnBatchEnd(TrainingSession session, int epoch, int batch, double loss)
        {
            if (Weights.Count < epoch)
            {
                Weights.Add([]);
            }

            Weights[epoch - 1] = (float[])session.Model.Parameters[0].Value.Clone();
        }
    }

    /// <summary>y = 2x: a layer type defined outside the library.</summary>
    private sealed class Doubling : Layer
    {
        private Tensor? _y, _dx;

        private static readonly LayerType s_type = new("doubling", "y = 2x", [], _ => new Doubling());

        public override LayerType Type => s_type;

        public override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

        public override Tensor Forward(Tensor input, ForwardContext context)
        {
            _y = new Tensor(input.Shape);
            TensorMath.Axpy(2f, input.Span, _y.Span);
            return _y;
        }

        public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
        {
            _dx = new Tensor(outputGradient.Shape);
            TensorMath.Axpy(2f, outputGradient.Span, _dx.Span);
            return _dx;
        }

        protected override Shape ComputeOutputShape(Shape inputShape) => inputShape;
    }
}
