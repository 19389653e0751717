using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>Convolutional networks train, split full batches over the model and its replica, and resume exactly
/// with augmentation.</summary>
public sealed class CnnTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-cnn-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Sequential Build(string architecture, int seed)
    {
        var model = new Sequential(1, 28, 28);
        foreach (ArchitectureParser.LayerCall call in ArchitectureParser.Parse(architecture))
        {
            model.Add(call.Create());
        }

        model.Initialize(seed);
        return model;
    }

    [Fact]
    public void A_small_convnet_learns_digits()
    {
        Dataset train = TestData.Mnist10k.Train.Take(1000), test = TestData.Mnist10k.Test.Take(500);
        Sequential model = Build("conv2d(8, 3) relu maxpool(2) conv2d(16, 3) relu maxpool(2) flatten dense(10)", 0);
        var loss = new SoftmaxCrossEntropy();
        Trainer.Fit(model, loss, new Adam(model.Parameters, 0.003f), train, new TrainingOptions { Epochs = 3, BatchSize = 32 });
        double accuracy = Evaluator.Evaluate(model, loss, test).Accuracy;
        Assert.True(accuracy > 0.85, $"test accuracy {accuracy}");
    }

    [Fact]
    public void A_full_batch_over_chunks_and_the_replica_gives_the_whole_batch_gradient()
    {
        // 1,300 images: three chunks of ≤ 512, two on the model and one on its replica (fused conv blocks in both)
        Dataset train = TestData.Mnist10k.Train.Take(1300);
        const string architecture = "conv2d(4, 3) relu maxpool(2) conv2d(6, 3, padding=same) relu flatten dropout(0.3) dense(10)";
        Sequential trained = Build(architecture, 4);
        var captures = trained.Parameters.Select(p => new CaptureGradient(p)).ToArray();
        new TrainingSession(trained, new SoftmaxCrossEntropy(), new Capturing(captures), new TrainingOptions { Epochs = 1, BatchSize = 0 }).Run(train);

        Sequential reference = Build(architecture, 4);
        Tensor x = train.Features, t = train.Targets;
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
            float[] expected = reference.Parameters[i].Gradient, actual = captures[i].Captured!;
            float scale = expected.Max(MathF.Abs);
            for (int j = 0; j < expected.Length; j++)
            {
                Assert.True(MathF.Abs(expected[j] - actual[j]) <= 1e-5f * scale, $"parameter {i}, [{j}]: {actual[j]} vs {expected[j]}");
            }
        }
    }

    [Fact]
    public void An_augmented_run_interrupted_and_resumed_ends_bit_identical()
    {
        Dataset train = TestData.Mnist10k.Train.Take(300);
        const string architecture = "conv2d(4, 3) relu maxpool(2) flatten dropout(0.2) dense(10)";
        TrainingOptions Options(IReadOnlyList<ITrainingCallback>? callbacks = null) => new()
        {
            Epochs = 3, BatchSize = 50, Seed = 7, Augmentation = ImageAugmentation.Parse("shift=2,rotate=10,scale=0.1"), Callbacks = callbacks ?? [],
        };

        Sequential straight = Build(architecture, 1);
        new TrainingSession(straight, new SoftmaxCrossEntropy(), new Adam(straight.Parameters), Options()).Run(train);

        Sequential first = Build(architecture, 1);
        using var cancel = new CancellationTokenSource();
        new TrainingSession(first, new SoftmaxCrossEntropy(), new Adam(first.Parameters),
            Options([new CheckpointCallback(_folder, new ModelMetadata([.. Enumerable.Range(0, 10).Select(i => $"{i}")], Mnist.PixelScale, "cross-entropy"), "test"), new CancelAfterFirstEpoch(cancel)])).Run(train, cancellationToken: cancel.Token);
        Checkpoint.Data data = Checkpoint.Load(_folder);
        var resumed = new TrainingSession(data.Model, new SoftmaxCrossEntropy(), new Adam(data.Model.Parameters), Options());
        Checkpoint.Restore(resumed, data);
        Assert.Equal(1, resumed.CompletedEpochs);
        resumed.Run(train);

        Assert.Equal(straight.Parameters.SelectMany(p => p.Value), data.Model.Parameters.SelectMany(p => p.Value));

        // and the distortions change the run
        Sequential plain = Build(architecture, 1);
        new TrainingSession(plain, new SoftmaxCrossEntropy(), new Adam(plain.Parameters), Options() with { Augmentation = null }).Run(train);
        Assert.NotEqual(straight.Parameters.SelectMany(p => p.Value), plain.Parameters.SelectMany(p => p.Value));
    }

    [Fact]
    public void The_recipe_init_applies_to_architecture_layers_left_at_the_default()
    {
        var recipe = new TrainingRecipe { Architecture = "conv2d(4, 3) relu conv2d(4, 3, initializer=zeros) flatten", Init = "pytorch-uniform" };
        Sequential model = recipe.CreateModel(new Shape(1, 8, 8), 3, TaskKind.Classification, new SoftmaxCrossEntropy());
        var first = (Conv2D)model.Layers[0];
        Assert.Equal(Nabla.Initializers.Initializer.PyTorchUniform, first.Initializer);
        Assert.All(first.Weight.Value, v => Assert.InRange(v, -1 / 3f, 1 / 3f));
        Assert.Contains(first.Bias!.Value, v => v != 0);   // PyTorch draws biases too
        Assert.All(((Conv2D)model.Layers[2]).Weight.Value, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Augmentation_is_refused_for_samples_that_are_not_images()
    {
        Dataset flat = Dataset.FromArrays(new float[,] { { 1, 2 }, { 3, 4 } }, [0, 1]);
        var model = new Sequential(2).Add(new Dense(2));
        model.Initialize(0);
        var options = new TrainingOptions { Epochs = 1, Augmentation = ImageAugmentation.Parse("shift=1") };
        var error = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters), flat, options));
        Assert.Contains("[2]", error.Message);
        var recipe = new TrainingRecipe { Augment = "shift=1" };
        Assert.Contains("--augment", Assert.Throws<ArgumentException>(() => recipe.CreateSession(flat)).Message);
        Assert.StartsWith("--augment", Assert.Throws<ArgumentException>(() => (recipe with { Augment = "zoom=2" }).Validate()).Message);
    }

    private sealed class CancelAfterFirstEpoch(CancellationTokenSource cancel) : ITrainingCallback
    {
        public void OnEpochEnd(TrainingSession session, EpochReport report) => cancel.Cancel();
    }
}
