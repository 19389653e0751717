using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Layers;

public sealed class LayerGradientTests
{
    private static Tensor RandomInput(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        // Keep inputs away from ReLU's kink at 0, where central differences are meaningless.
        float[] values = Enumerable.Range(0, rows * columns).Select(_ =>
        {
            float v = random.NextSingle() * 2 - 1;
            return MathF.Abs(v) < 0.05f ? v + 0.1f * MathF.Sign(v + 1e-6f) : v;
        }).ToArray();
        return new Tensor(values, new Shape(rows, columns));
    }

    public static TheoryData<string> ActivationNames => new() { "relu", "leaky-relu", "sigmoid", "tanh", "softmax" };

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Activation_gradients_match_central_differences(string name)
    {
        Layer layer = Activation.Create(name);
        layer.Build(new Shape(7));
        double error = GradientChecker.MaxLayerError(layer, RandomInput(4, 7, 3));
        Assert.True(error < GradientChecker.Tolerance, $"{name}: relative error {error}");
    }

    [Fact]
    public void Dense_gradients_match_central_differences()
    {
        var dense = new Dense(6, Initializer.GlorotUniform);
        dense.Build(new Shape(9));
        dense.Initialize(new Random(4), Initializer.Default);
        Random random = new(5);
        for (int i = 0; i < dense.Bias.Value.Length; i++)
        {
            dense.Bias.Value[i] = random.NextSingle() - 0.5f;
        }

        double error = GradientChecker.MaxLayerError(dense, RandomInput(5, 9, 6), probes: 60);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Backward_accumulates_parameter_gradients()
    {
        var dense = new Dense(3, Initializer.HeNormal);
        dense.Build(new Shape(4));
        dense.Initialize(new Random(1), Initializer.Default);
        Tensor x = RandomInput(2, 4, 2);
        var dY = new Tensor(new float[] { 1, -2, 0.5f, 0.3f, 0.1f, -1 }, new Shape(2, 3));
        dense.Forward(x, training: true);
        dense.Backward(dY, needInputGradient: false);
        float[] once = (float[])dense.Weight.Gradient.Clone();
        dense.Forward(x, training: true);
        dense.Backward(dY, needInputGradient: false);
        for (int i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], dense.Weight.Gradient[i], 5);
        }
    }

    [Fact]
    public void Dense_forward_matches_hand_computation()
    {
        var dense = new Dense(2);
        dense.Build(new Shape(3));
        float[] w = [1, 2, 3, 4, 5, 6]; // [in=3, out=2]
        w.CopyTo(dense.Weight.Value, 0);
        dense.Bias.Value[0] = 0.5f;
        dense.Bias.Value[1] = -1f;
        Tensor y = dense.Forward(new Tensor(new float[] { 1, 0, -1 }, new Shape(1, 3)), training: false);
        Assert.Equal([1 - 5 + 0.5f, 2 - 6 - 1f], y.Span.ToArray());
    }

    [Fact]
    public void Shape_errors_name_the_layer_and_both_shapes()
    {
        var model = new Sequential(784).Add(new Dense(128)).Add(new ReLU()).Add(new Dense(10));
        var error = Assert.Throws<ShapeMismatchException>(() => model.Layers[0].Forward(new Tensor(32, 100), training: false));
        Assert.Contains("dense_1", error.Message);
        Assert.Contains("[batch, 784]", error.Message);
        Assert.Contains("[32, 100]", error.Message);

        var modelError = Assert.Throws<ShapeMismatchException>(() => model.Forward(new Tensor(8, 785), training: false));
        Assert.Contains("[8, 785]", modelError.Message);
        Assert.Contains("784", modelError.Message);
    }
}
