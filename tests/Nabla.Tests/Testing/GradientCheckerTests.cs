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
}
