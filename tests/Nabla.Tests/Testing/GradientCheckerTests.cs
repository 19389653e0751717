using Nabla.Diagnostics;
using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Tests.Testing;

/// <summary>The control: a layer whose backward is wrong by a factor of 2 must fail the check, so the tolerance catches real bugs.</summary>
public sealed class GradientCheckerTests
{
    private sealed class WrongTanh : Activation
    {
        private static readonly LayerType s_type = new("wrong-tanh", "tanh with a backward off by 2", [], _ => new WrongTanh());

        public override LayerType Type => s_type;

        protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.Tanh(x, y);

        protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX)
        {
            TensorMath.TanhBackward(y, dY, dX);
            TensorMath.Scale(2f, dX);
        }
    }

    [Fact]
    public void A_wrong_backward_fails_the_check()
    {
        var layer = new WrongTanh();
        layer.Build(new Shape(5));
        var input = new Tensor(Enumerable.Range(0, 15).Select(i => (i - 7) * 0.2f).ToArray(), new Shape(3, 5));
        Assert.True(GradientChecker.MaxLayerError(layer, input) > 0.1);
    }

    [Fact]
    public void The_right_backward_passes_the_check()
    {
        var layer = new Tanh();
        layer.Build(new Shape(5));
        var input = new Tensor(Enumerable.Range(0, 15).Select(i => (i - 7) * 0.2f).ToArray(), new Shape(3, 5));
        Assert.True(GradientChecker.MaxLayerError(layer, input) < GradientChecker.Tolerance);
    }

    [Fact]
    public void The_public_checker_names_every_quantity_and_says_whether_it_passed()
    {
        var dense = new Dense(3, Nabla.Initializers.Initializer.GlorotUniform);
        dense.Build(new Shape(4));
        dense.Initialize(new Random(2), Nabla.Initializers.Initializer.Default);
        var input = new Tensor(Enumerable.Range(0, 8).Select(i => (i - 4) * 0.3f).ToArray(), new Shape(2, 4));
        GradientCheckResult result = GradientCheck.Layer(dense, input);
        Assert.Equal(["bias", "input", "weight"], result.Errors.Keys.Order());
        Assert.True(result.Passed, result.ToString());
        Assert.EndsWith("passed", result.ToString());

        var wrong = new WrongTanh();
        wrong.Build(new Shape(4));
        GradientCheckResult failed = GradientCheck.Layer(wrong, input);
        Assert.False(failed.Passed);
        Assert.Contains("FAILED", failed.ToString());
        Assert.False(GradientCheck.Loss(new Nabla.Losses.MeanSquaredError(), [1, 2], [0, 0], 1).Worst > GradientCheck.Tolerance);
    }
}
