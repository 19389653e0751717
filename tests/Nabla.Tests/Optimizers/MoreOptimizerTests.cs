using Nabla.Optimizers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Tests.Optimizers;

public sealed class MoreOptimizerTests
{

    [Fact]
    public void RmsProp_first_step()
    {
        Parameter p = OptimizerTests.Make();
        new RmsProp([p], 0.01f, rho: 0.9f).Step();
        // v = 0.1·g² = [0.025, 0.001]; step = α·g/√v = 0.01·[0.5/0.158114, 0.1/0.0316228] = [0.0316228, 0.0316228]
        Assert.Equal(1 - 0.0316228f, p.Value[0], 5);
        Assert.Equal(-2 - 0.0316228f, p.Value[1], 5);
    }

    [Fact]
    public void AdamW_decays_weights_before_the_adam_step_and_leaves_biases_alone()
    {
        Parameter w = OptimizerTests.Make(isWeight: true), b = OptimizerTests.Make(isWeight: false);
        new Adam([w, b], 0.1f, weightDecay: 0.5f).Step();
        // weight: 1·(1 − 0.1·0.5) = 0.95, then the first Adam step −0.1·sign(g) → 0.85
        Assert.Equal(0.85f, w.Value[0], 5);
        Assert.Equal(-2f * 0.95f - 0.1f, w.Value[1], 5);
        // bias: no decay → 1 − 0.1
        Assert.Equal(0.9f, b.Value[0], 5);
    }

    [Fact]
    public void State_arrays_and_step_counts_are_exposed_for_checkpoints()
    {
        Parameter p = OptimizerTests.Make();
        var adam = new Adam([p]);
        adam.Step();
        Assert.Equal(1, adam.StepCount);
        Assert.Equal(2, adam.State.Count);
        Assert.Equal(0.05f, adam.State[0][0], 6); // m = (1 − β₁)·g
        Assert.Single(new RmsProp([p]).State);
        Assert.Single(new Momentum([p], 0.1f).State);
        Assert.Empty(new GradientDescent([p], 0.1f).State);
    }
}
