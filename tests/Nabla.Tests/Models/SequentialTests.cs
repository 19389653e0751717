using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Models;

/// <summary>Shapes of any rank through a Sequential, and the Keras-shaped surface a new user guesses.</summary>
public sealed class SequentialTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-sequential-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Rank_3_and_rank_4_batches_pass_through_activations_dropout_reshape_flatten_and_dense()
    {
        var model = new Sequential(1, 4, 6)
        {
            new ReLU(), new Dropout(0.5f), new Reshape(4, 6), new Dense(5), new Tanh(), new Softmax(), new Flatten(), new Dense(3),
        };
        model.Initialize(2);
        Assert.Equal(new Shape(4, 5), model.Layers[3].OutputShape);
        Assert.Equal(new Shape(20), model.Layers[6].OutputShape);
        Assert.Equal(
            ["(None, 1, 4, 6)", "(None, 1, 4, 6)", "(None, 1, 4, 6)", "(None, 4, 6)", "(None, 4, 5)", "(None, 4, 5)", "(None, 4, 5)", "(None, 20)", "(None, 3)"],
            model.SummaryRows().Select(r => r.OutputShape));

        var x = new Tensor(3, 1, 4, 6);
        var random = new Random(1);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextSingle() * 2 - 1;
        }

        Tensor y = model.Forward(x, ForwardContext.ForTraining(4));
        Assert.Equal(new Shape(3, 3), y.Shape);

        // Softmax acts on the last dimension of a rank-3 output: each of the 4 rows of 5 sums to 1.
        Tensor softmax = ((Layer)model.Layers[5]).Forward(((Layer)model.Layers[4]).Forward(((Layer)model.Layers[3]).Forward(x.Reshape(new Shape(3, 4, 6)), ForwardContext.Inference), ForwardContext.Inference), ForwardContext.Inference);
        for (int row = 0; row < 12; row++)
        {
            Assert.Equal(1f, softmax.Span.Slice(row * 5, 5).ToArray().Sum(), 5);
        }

        // Backward returns shapes all the way down, and the per-step dense gradient matches central differences.
        model.ZeroGradients();
        model.Backward(new Tensor(Enumerable.Repeat(1f, 9).ToArray(), new Shape(3, 3)));
        Assert.Contains(model.Parameters, p => p.Gradient.Any(g => g != 0));
        var dense = new Dense(5);
        dense.Build(new Shape(4, 6));
        dense.Initialize(new Random(3), Nabla.Initializers.Initializer.GlorotUniform);
        Assert.True(GradientChecker.MaxLayerError(dense, x.Reshape(new Shape(3, 4, 6)).Clone(), probes: 60) < GradientChecker.Tolerance);
    }

    [Fact]
    public void A_shape_error_names_the_layers_and_both_shapes()
    {
        var error = Assert.Throws<ShapeMismatchException>(() => new Sequential(24) { new Dense(4), new Reshape(5, 5) });
        Assert.Contains("reshape_1 (reshape)", error.Message);
        Assert.Contains("[batch, 4]", error.Message);
        Assert.Contains("dense_1", error.Message);
        var input = Assert.Throws<ShapeMismatchException>(() => new Sequential(1, 28, 28) { new Flatten() }.Forward(new Tensor(2, 27, 28), false));
        Assert.Contains("[batch, 1, 28, 28]", input.Message);
    }

    [Fact]
    public void A_model_that_was_never_initialized_cannot_train()
    {
        var model = new Sequential(2) { new Dense(2) };
        var data = Dataset.FromArrays(new float[,] { { 0, 1 }, { 1, 0 } }, [0, 1]);
        var error = Assert.Throws<InvalidOperationException>(() => Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters), data, new TrainingOptions()));
        Assert.Contains("Initialize", error.Message);
        Assert.Throws<InvalidOperationException>(() => model.Fit(data));
    }

    [Fact]
    public void The_keras_shaped_surface_a_new_user_guesses_works_end_to_end()
    {
        var (train, test) = TestData.Mnist10k;
        (train, test) = (train.Take(600), test.Take(200));
        var model = new Sequential(train.SampleShape) { new Flatten(), new Dense(64), new ReLU(), new Dense(10) };
        model.Compile("cross-entropy", "adam", seed: 0);
        TrainingHistory history = model.Fit(train, epochs: 3, batchSize: 32, validationSplit: 0.1);
        Assert.Equal(3, history.Epochs.Count);
        Assert.NotNull(history.Epochs[^1].ValidationLoss);
        Assert.True(model.Evaluate(test).Accuracy > 0.7);
        Assert.Contains("dense_1 (dense)", model.Summary());
        Assert.Contains("Total params: 50,890", model.Summary());

        float[] sample = test.Features.Row(0).ToArray();
        float[] probabilities = model.Predict(sample);
        Assert.Equal(10, probabilities.Length);
        Assert.Equal(1f, probabilities.Sum(), 4);
        int predicted = model.PredictClass(sample);
        Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), predicted);
        Assert.Equal(predicted.ToString(System.Globalization.CultureInfo.InvariantCulture), model.PredictClassName(sample));
        float[][] rows = [sample, test.Features.Row(1).ToArray()];
        Assert.Equal(model.PredictClasses(rows), model.PredictClasses(test.Features.RowRange(0, 2)));
        var matrix = new float[2, 784];
        for (int j = 0; j < 784; j++)
        {
            (matrix[0, j], matrix[1, j]) = (rows[0][j], rows[1][j]);
        }

        Assert.Equal(probabilities, Enumerable.Range(0, 10).Select(j => model.Predict(matrix)[0, j]));

        string path = Path.Combine(_folder, "digits.nabla");
        model.Save(path);
        Sequential loaded = Sequential.Load(path);
        Assert.Equal(probabilities, loaded.Predict(sample));
        Assert.Equal(Mnist.PixelScale, loaded.Metadata.InputScale);
        Assert.Equal("9", loaded.Metadata.ClassNames[9]);
        Assert.Equal(model.Evaluate(test).Accuracy, loaded.Evaluate(test).Accuracy);
    }

    [Fact]
    public void Fit_from_arrays_learns_xor_with_the_default_seed()
    {
        var data = Dataset.FromArrays(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } }, [0, 1, 1, 0]);
        var model = new Sequential(2) { new Dense(8), new Tanh(), new Dense(2) };
        model.Compile(optimizer: "adam", learningRate: 0.05f);
        model.Fit(data, epochs: 300, batchSize: 4);
        Assert.Equal([0, 1, 1, 0], model.PredictClasses(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } }));
    }
}
