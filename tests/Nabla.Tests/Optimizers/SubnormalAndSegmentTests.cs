using Nabla.Optimizers;
using Nabla.Parameters;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Optimizers;

/// <summary>Optimizer state never becomes subnormal (Intel cores take a slow assist on every subnormal operand), and
/// the multi-threaded update over parameter segments is exactly the element-wise formula.</summary>
public sealed class SubnormalAndSegmentTests
{
    public static TheoryData<string> Names => new() { "momentum", "nesterov", "rmsprop", "adam", "adamw" };

    [Theory]
    [MemberData(nameof(Names))]
    public void State_decaying_toward_zero_is_flushed_before_it_becomes_subnormal(string name)
    {
        // A border pixel: one gradient, then zeros for a long time; m ← 0.9·m would pass through the subnormals.
        var p = new Parameter("w", new Shape(40), isWeight: true);
        Array.Fill(p.Value, 0.5f);
        IOptimizer optimizer = name == "adamw" ? new Adam([p], 1e-3f, weightDecay: 0.01f) : Optimizer.Create(name, [p], 1e-3f);
        for (int i = 0; i < p.Gradient.Length; i++)
        {
            p.Gradient[i] = (i % 4) switch { 0 => 1e-3f, 1 => 3e-12f, 2 => -2e-7f, _ => 1e-20f };
        }

        int subnormalSteps = 0;
        for (int step = 0; step < 3000; step++)
        {
            optimizer.Step();
            Array.Clear(p.Gradient);
            if (optimizer.State.Any(s => s.Any(float.IsSubnormal)) || p.Value.Any(float.IsSubnormal))
            {
                subnormalSteps++;
            }
        }

        Assert.Equal(0, subnormalSteps);
        if (name != "rmsprop")
        {
            // The first moment (or velocity) decays by 0.9 a step: long gone; the second moment decays far slower.
            Assert.All(optimizer.State[0], v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Without_the_flush_the_same_decay_would_pass_through_the_subnormals()
    {
        // The control for the test above: 0.9ⁿ·1e-4 in float is subnormal for some n (so the test can fail).
        float m = 1e-4f;
        bool seen = false;
        for (int i = 0; i < 3000 && m != 0f; i++)
        {
            m *= 0.9f;
            seen |= float.IsSubnormal(m);
        }

        Assert.True(seen);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_step_over_several_large_parameters_is_the_elementwise_formula_everywhere(string name)
    {
        // Sizes that cut across the per-thread segment boundaries.
        Parameter[] parameters = [Make(70_001, 1), Make(3, 2), Make(45_000, 3)];
        Parameter[] copies = [.. parameters.Select(Copy)];
        IOptimizer optimizer = name == "adamw" ? new Adam(parameters, 1e-2f, weightDecay: 0.1f) : Optimizer.Create(name, parameters, 1e-2f);
        optimizer.Step();
        optimizer.Step();
        for (int k = 0; k < parameters.Length; k++)
        {
            for (int j = 0; j < parameters[k].Value.Length; j++)
            {
                double expected = Reference(name, copies[k].Value[j], copies[k].Gradient[j]);
                Assert.True(Math.Abs(expected - parameters[k].Value[j]) < 2e-6, $"parameter {k} [{j}]: {parameters[k].Value[j]} vs {expected}");
            }
        }
    }

    /// <summary>Two steps with the same gradient, in double.</summary>
    private static double Reference(string name, double w, double g)
    {
        const double lr = 1e-2;
        switch (name)
        {
            case "momentum":
            case "nesterov":
            {
                double v = g;
                w -= lr * (name == "nesterov" ? g + 0.9 * v : v);
                v = 0.9 * v + g;
                return w - lr * (name == "nesterov" ? g + 0.9 * v : v);
            }

            case "rmsprop":
            {
                double v = 0.01 * g * g;
                w -= lr * g / (Math.Sqrt(v) + 1e-8);
                v = 0.99 * v + 0.01 * g * g;
                return w - lr * g / (Math.Sqrt(v) + 1e-8);
            }

            default:
            {
                double decay = name == "adamw" ? 1 - lr * 0.1 : 1;
                double m = 0, v = 0;
                for (int t = 1; t <= 2; t++)
                {
                    w *= decay;
                    m = 0.9 * m + 0.1 * g;
                    v = 0.999 * v + 0.001 * g * g;
                    w -= lr * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
                }

                return w;
            }
        }
    }

    private static Parameter Make(int length, int seed)
    {
        var p = new Parameter("w", new Shape(length), isWeight: true);
        var random = new Random(seed);
        for (int i = 0; i < length; i++)
        {
            p.Value[i] = random.NextSingle() * 2 - 1;
            p.Gradient[i] = random.NextSingle() - 0.5f;
        }

        return p;
    }

    private static Parameter Copy(Parameter p)
    {
        var copy = new Parameter(p.Name, p.Shape, p.IsWeight);
        p.Value.CopyTo(copy.Value, 0);
        p.Gradient.CopyTo(copy.Gradient, 0);
        return copy;
    }
}
