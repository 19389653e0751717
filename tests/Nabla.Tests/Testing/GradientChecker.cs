using Nabla.Layers;
using Nabla.Losses;
using Nabla.Tensors;

namespace Nabla.Tests.Testing;

/// <summary>
/// Numerical gradient checks by central differences. The library is float32, so the probe loss is accumulated in
/// double, h is 1e-2·max(1, |θ|), and the comparison is by relative error with tolerance 1e-2 over sampled probes
/// (STYLE.md lesson 6). <see cref="GradientCheckerTests"/> shows a deliberately wrong backward fails it.
/// </summary>
internal static class GradientChecker
{
    public const double Tolerance = 1e-2;

    /// <summary>Scalar probe: L = Σ r ⊙ layer(x) for a fixed random r, so ∂L/∂y = r.</summary>
    public static double MaxLayerError(Layer layer, Tensor input, int probes = 40, int seed = 1, ForwardContext? context = null)
    {
        var random = new Random(seed);
        ForwardContext pass = context ?? ForwardContext.ForTraining(0);
        Tensor output = layer.Forward(input, pass);
        float[] r = Enumerable.Range(0, output.Length).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        double Probe() => Dot(layer.Forward(input, pass).Span, r);

        foreach (var p in layer.Parameters)
        {
            p.ZeroGradient();
        }

        layer.Forward(input, pass);
        Tensor dInput = layer.Backward(new Tensor(r.ToArray(), output.Shape), needInputGradient: true)!.Clone();
        double worst = 0;
        worst = Math.Max(worst, Check(input.Span.ToArray(), v => v.CopyTo(input.Span), dInput.Span.ToArray(), Probe, probes, random));
        foreach (var p in layer.Parameters)
        {
            float[] analytic = (float[])p.Gradient.Clone();
            worst = Math.Max(worst, Check((float[])p.Value.Clone(), v => v.CopyTo(p.Value.AsSpan()), analytic, Probe, probes, random));
        }

        return worst;
    }

    /// <summary>Checks a loss's gradient with respect to its predictions.</summary>
    public static double MaxLossError(ILoss loss, float[] predictions, float[] targets, int columns, int probes = 40, int seed = 2)
    {
        var random = new Random(seed);
        float[] gradient = new float[predictions.Length];
        float[] scratch = new float[predictions.Length];
        float[] x = (float[])predictions.Clone();
        loss.Compute(x, targets, columns, gradient);
        double Probe() => loss.Compute(x, targets, columns, scratch);
        return Check((float[])predictions.Clone(), v => v.CopyTo(x, 0), gradient, Probe, probes, random);
    }

    private static double Check(float[] original, Action<float[]> set, float[] analytic, Func<double> probe, int probes, Random random)
    {
        double worst = 0;
        float[] values = (float[])original.Clone();
        int count = Math.Min(probes, values.Length);
        IEnumerable<int> indices = values.Length <= probes ? Enumerable.Range(0, values.Length) : Enumerable.Range(0, count).Select(_ => random.Next(values.Length));
        foreach (int i in indices)
        {
            float h = 1e-2f * Math.Max(1f, Math.Abs(original[i]));
            values[i] = original[i] + h;
            set(values);
            double plus = probe();
            values[i] = original[i] - h;
            set(values);
            double minus = probe();
            values[i] = original[i];
            set(values);
            double numeric = (plus - minus) / (2.0 * h);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(1e-3, Math.Abs(numeric) + Math.Abs(analytic[i]));
            worst = Math.Max(worst, error);
        }

        return worst;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
