using System.Numerics;
using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>
/// Gradient descent with momentum, in PyTorch's form: <c>v ← μ·v + g</c>, then <c>W ← W − α·v</c>; with Nesterov
/// momentum the step looks ahead: <c>W ← W − α·(g + μ·v)</c>.
/// </summary>
/// <remarks>Polyak (1964), "Some methods of speeding up the convergence of iteration methods"; Sutskever et al. (2013),
/// "On the importance of initialization and momentum in deep learning" for the Nesterov form. The update runs on all
/// cores, and keeps the velocities out of the subnormal range (<see cref="Subnormals"/>).</remarks>
public sealed class Momentum : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _velocities;
    private readonly ParameterSegments _segments;
    private readonly Action<int, int, int> _update;

    /// <summary>Creates the optimizer; velocities start at zero.</summary>
    public Momentum(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0.9f, bool nesterov = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _velocities = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        _segments = new ParameterSegments(_parameters);
        _update = Update;
        (LearningRate, Coefficient, Nesterov) = (learningRate, momentum, nesterov);
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>μ, the fraction of the previous velocity kept.</summary>
    public float Coefficient { get; }

    /// <summary>Whether the update uses Nesterov's look-ahead.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public long StepCount { get; set; }

    /// <summary>The velocity of each parameter.</summary>
    public IReadOnlyList<float[]> State => _velocities;

    /// <inheritdoc/>
    public void Step()
    {
        StepCount++;
        _segments.Run(_update);
    }

    private void Update(int parameter, int start, int length)
    {
        Span<float> w = _parameters[parameter].Value.AsSpan(start, length), v = _velocities[parameter].AsSpan(start, length);
        ReadOnlySpan<float> g = _parameters[parameter].Gradient.AsSpan(start, length);
        float mu = Coefficient, lr = LearningRate;
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vmu = new Vector<float>(mu);
            var vlr = new Vector<float>(lr);
            for (; j <= w.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var gj = new Vector<float>(g[j..]);
                var vj = Subnormals.Flush(vmu * new Vector<float>(v[j..]) + gj, Subnormals.State);
                vj.CopyTo(v[j..]);
                (new Vector<float>(w[j..]) - vlr * (Nesterov ? gj + vmu * vj : vj)).CopyTo(w[j..]);
            }
        }

        for (; j < w.Length; j++)
        {
            v[j] = Subnormals.Flush(mu * v[j] + g[j], Subnormals.State);
            w[j] -= lr * (Nesterov ? g[j] + mu * v[j] : v[j]);
        }
    }
}
