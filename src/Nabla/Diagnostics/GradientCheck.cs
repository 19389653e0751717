using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Diagnostics;

/// <summary>How far a layer's or a loss's analytic gradients are from central differences.</summary>
/// <param name="Errors">The worst relative error per checked quantity: "input" (∂L/∂x) and each parameter by name.</param>
public sealed record GradientCheckResult(IReadOnlyDictionary<string, double> Errors)
{
    /// <summary>The worst relative error of all.</summary>
    public double Worst => Errors.Count == 0 ? 0 : Errors.Values.Max();

    /// <summary>Whether every error is below <see cref="GradientCheck.Tolerance"/>.</summary>
    public bool Passed => Worst < GradientCheck.Tolerance;

    /// <inheritdoc/>
    public override string ToString() =>
        string.Join(", ", Errors.Select(e => FormattableString.Invariant($"{e.Key} {e.Value:E2}"))) + (Passed ? " — passed" : " — FAILED");
}

/// <summary>
/// Checks a layer's <see cref="Layer.Backward"/> (or a loss's gradient) against central differences — the test every
/// layer and loss of the library passes, public so that a layer you write can pass it too.
/// </summary>
/// <remarks>
/// <para>The probe is the scalar L = Σ r ⊙ layer(x) for a fixed random r, so ∂L/∂y = r: backward is given r, and each
/// sampled input value and parameter value θ is moved by ±h, h = 10⁻²·max(1, |θ|), the two losses summed in double,
/// and the slope (L(θ+h) − L(θ−h)) / 2h compared with the analytic gradient by relative error
/// |numeric − analytic| / max(10⁻³, |numeric| + |analytic|). The library computes in float32, whose rounding makes
/// smaller steps noisier, so the tolerance is 10⁻² (<see cref="Tolerance"/>); a gradient that is wrong by a factor of
/// 2 gives errors near 0.33 and fails clearly (STYLE.md lesson 6; the library's own test shows it).</para>
/// <para>Layers with randomness (dropout) must draw the same in every pass: the same <see cref="ForwardContext"/> is
/// used throughout. Kinks (ReLU at 0, max pooling ties) can make a single probe fail by chance; use inputs away from
/// them.</para>
/// <para>Recurrent layers chain many float32 steps, so their central differences are noisy at about 10⁻⁵: pass a larger
/// <c>floor</c> (the smallest denominator of the relative error, 10⁻³ by default), so that gradients below it are
/// compared by absolute error (floor · tolerance) instead. Inputs that cannot be moved by ±h (token ids) are checked
/// through a whole model, one parameter at a time, with <see cref="ModelParameter"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var layer = new MyLayer();
/// layer.Build(new Shape(5));
/// GradientCheckResult result = GradientCheck.Layer(layer, input);   // input [batch, 5]
/// Console.WriteLine(result);  // "input 1.2E-004, weight 3.4E-005 — passed"
/// </code>
/// </example>
public static class GradientCheck
{
    /// <summary>The largest relative error that passes.</summary>
    public const double Tolerance = 1e-2;

    /// <summary>The smallest denominator of the relative error unless told otherwise.</summary>
    public const double DefaultFloor = 1e-3;

    /// <summary>Checks ∂L/∂input and ∂L/∂parameter of a built layer at <paramref name="input"/>, on up to
    /// <paramref name="probes"/> sampled values of each; <paramref name="floor"/> is the smallest denominator of the
    /// relative error.</summary>
    public static GradientCheckResult Layer(Layer layer, Tensor input, int probes = 40, int seed = 1, ForwardContext? context = null, double floor = DefaultFloor)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        var random = new Random(seed);
        ForwardContext pass = context ?? ForwardContext.ForTraining(0);
        Tensor output = layer.Forward(input, pass);
        float[] r = Enumerable.Range(0, output.Length).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        double Probe() => Dot(layer.Forward(input, pass).Span, r);

        foreach (Parameters.Parameter p in layer.Parameters)
        {
            p.ZeroGradient();
        }

        layer.Forward(input, pass);
        Tensor dInput = layer.Backward(new Tensor(r.ToArray(), output.Shape), needInputGradient: true)!.Clone();
        var errors = new Dictionary<string, double>
        {
            ["input"] = Check(input.Span.ToArray(), v => v.CopyTo(input.Span), dInput.Span.ToArray(), Probe, probes, random, floor),
        };
        foreach (Parameters.Parameter p in layer.Parameters)
        {
            float[] analytic = (float[])p.Gradient.Clone();
            errors[p.Name] = Check((float[])p.Value.Clone(), v => v.CopyTo(p.Value.AsSpan()), analytic, Probe, probes, random, floor);
        }

        return new GradientCheckResult(errors);
    }

    /// <summary>Checks ∂L/∂<paramref name="parameter"/> through a whole built model, L = Σ r ⊙ model(x) — for a
    /// parameter whose layer takes inputs that cannot be perturbed, such as the token ids of an embedding.</summary>
    public static GradientCheckResult ModelParameter(Sequential model, Tensor input, Parameters.Parameter parameter, int probes = 40, int seed = 1, double floor = DefaultFloor)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(parameter);
        var random = new Random(seed);
        ForwardContext pass = ForwardContext.ForTraining(0);
        Tensor output = model.Forward(input, pass);
        float[] r = Enumerable.Range(0, output.Length).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        double Probe() => Dot(model.Forward(input, pass).Span, r);

        model.ZeroGradients();
        model.Forward(input, pass);
        model.Backward(new Tensor(r.ToArray(), output.Shape));
        float[] analytic = (float[])parameter.Gradient.Clone();
        return new GradientCheckResult(new Dictionary<string, double>
        {
            [parameter.Name] = Check((float[])parameter.Value.Clone(), v => v.CopyTo(parameter.Value.AsSpan()), analytic, Probe, probes, random, floor),
        });
    }

    /// <summary>Checks a loss's gradient with respect to its predictions [rows, <paramref name="columns"/>].</summary>
    public static GradientCheckResult Loss(ILoss loss, float[] predictions, float[] targets, int columns, int probes = 40, int seed = 2)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(predictions);
        var random = new Random(seed);
        float[] gradient = new float[predictions.Length];
        float[] scratch = new float[predictions.Length];
        float[] x = (float[])predictions.Clone();
        loss.Compute(x, targets, columns, gradient);
        double Probe() => loss.Compute(x, targets, columns, scratch);
        return new GradientCheckResult(new Dictionary<string, double>
        {
            ["predictions"] = Check((float[])predictions.Clone(), v => v.CopyTo(x, 0), gradient, Probe, probes, random, DefaultFloor),
        });
    }

    private static double Check(float[] original, Action<float[]> set, float[] analytic, Func<double> probe, int probes, Random random, double floor)
    {
        double worst = 0;
        float[] values = (float[])original.Clone();
        IEnumerable<int> indices = values.Length <= probes ? Enumerable.Range(0, values.Length) : Enumerable.Range(0, probes).Select(_ => random.Next(values.Length));
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
            worst = Math.Max(worst, Math.Abs(numeric - analytic[i]) / Math.Max(floor, Math.Abs(numeric) + Math.Abs(analytic[i])));
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
