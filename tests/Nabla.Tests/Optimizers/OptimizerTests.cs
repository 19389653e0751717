using Nabla.Optimizers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Tests.Optimizers;

/// <summary>Each optimizer against steps computed by hand (in the comments) on w = [1, −2], g = [0.5, 0.1].</summary>
public sealed class OptimizerTests
{
    /// <summary>w = [1, −2] with gradient [0.5, 0.1] (shared with <see cref="MoreOptimizerTests"/>).</summary>
    internal static Parameter Make(bool isWeight = true)
    {
        var p = new Parameter("w", new Shape(2), isWeight);
        p.Value[0] = 1f;
        p.Value[1] = -2f;
        p.Gradient[0] = 0.5f;
        p.Gradient[1] = 0.1f;
        return p;
    }

    [Fact]
    public void Gradient_descent_step()
    {
        Parameter p = Make();
        new GradientDescent([p], 0.1f).Step();
        // w − α·g = [1 − 0.05, −2 − 0.01]
        Assert.Equal(0.95f, p.Value[0], 6);
        Assert.Equal(-2.01f, p.Value[1], 6);
    }

    [Fact]
    public void Momentum_two_steps()
    {
        Parameter p = Make();
        var optimizer = new Momentum([p], 0.1f, 0.9f);
        optimizer.Step(); // v = g = [0.5, 0.1]; w = [0.95, −2.01]
        optimizer.Step(); // v = 0.9·[0.5, 0.1] + [0.5, 0.1] = [0.95, 0.19]; w = [0.95 − 0.095, −2.01 − 0.019]
        Assert.Equal(0.855f, p.Value[0], 5);
        Assert.Equal(-2.029f, p.Value[1], 5);
    }

    [Fact]
    public void Nesterov_two_steps()
    {
        Parameter p = Make();
        var optimizer = new Momentum([p], 0.1f, 0.9f, nesterov: true);
        optimizer.Step(); // v = [0.5, 0.1]; w −= 0.1·(g + 0.9·v) = 0.1·[0.95, 0.19] → [0.905, −2.019]
        Assert.Equal(0.905f, p.Value[0], 5);
        Assert.Equal(-2.019f, p.Value[1], 5);
        optimizer.Step(); // v = [0.95, 0.19]; w −= 0.1·([0.5, 0.1] + 0.9·[0.95, 0.19]) = [0.1355, 0.0271]
        Assert.Equal(0.7695f, p.Value[0], 5);
        Assert.Equal(-2.0461f, p.Value[1], 5);
    }

    [Fact]
    public void Adam_first_steps_are_learning_rate_sized()
    {
        Parameter p = Make();
        var optimizer = new Adam([p], 0.01f);
        optimizer.Step();
        // t=1: m̂ = g, v̂ = g², so the step is α·g/(|g| + ε) ≈ α·sign(g)
        Assert.Equal(0.99f, p.Value[0], 5);
        Assert.Equal(-2.01f, p.Value[1], 5);
        p.Gradient[0] = -0.5f;
        optimizer.Step();
        // t=2: m = 0.9·0.05 + 0.1·(−0.5) = −0.005, m̂ = −0.005/0.19; v = 0.999·0.00025 + 0.001·0.25 = 0.00049975,
        // v̂ = 0.00049975/0.001999 = 0.25000; step = 0.01·(−0.0263158)/0.5 = −0.000526316 → w = 0.990526316
        Assert.Equal(0.990526316f, p.Value[0], 5);
    }
}
