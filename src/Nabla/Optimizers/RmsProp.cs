using System.Numerics;
using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>
/// RMSProp, in PyTorch's form: <c>v ← ρ·v + (1−ρ)·g²</c>, <c>W ← W − α·g/(√v + ε)</c>, ρ = 0.99, ε = 1e−8.
/// </summary>
/// <remarks>Tieleman and Hinton (2012), Lecture 6.5 of "Neural Networks for Machine Learning". The update runs on all
/// cores, and keeps the mean squares out of the subnormal range (<see cref="Subnormals"/>).</remarks>
public sealed class RmsProp : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _squares;
    private readonly ParameterSegments _segments;
    private readonly Action<int, int, int> _update;

    /// <summary>Creates the optimizer; the running mean of g² starts at zero.</summary>
    public RmsProp(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float rho = 0.99f, float epsilon = 1e-8f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _squares = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        _segments = new ParameterSegments(_parameters);
        _update = Update;
        (LearningRate, Rho, Epsilon) = (learningRate, rho, epsilon);
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>ρ, decay of the running mean of squared gradients.</summary>
    public float Rho { get; }

    /// <summary>ε, added to √v.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    public long StepCount { get; set; }

    /// <summary>The running mean of g² of each parameter.</summary>
    public IReadOnlyList<float[]> State => _squares;

    /// <inheritdoc/>
    public void Step()
    {
        StepCount++;
        _segments.Run(_update);
    }

    private void Update(int parameter, int start, int length)
    {
        Span<float> w = _parameters[parameter].Value.AsSpan(start, length), v = _squares[parameter].AsSpan(start, length);
        ReadOnlySpan<float> g = _parameters[parameter].Gradient.AsSpan(start, length);
        float rho = Rho, lr = LearningRate, eps = Epsilon;
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vrho = new Vector<float>(rho);
            var c = new Vector<float>(1 - rho);
            var vlr = new Vector<float>(lr);
            var veps = new Vector<float>(eps);
            for (; j <= w.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var gj = new Vector<float>(g[j..]);
                var gs = Subnormals.Flush(gj, Subnormals.Squared);
                var vj = Subnormals.Flush(vrho * new Vector<float>(v[j..]) + c * gs * gs, Subnormals.State);
                vj.CopyTo(v[j..]);
                (new Vector<float>(w[j..]) - vlr * gj / (Vector.SquareRoot(vj) + veps)).CopyTo(w[j..]);
            }
        }

        for (; j < w.Length; j++)
        {
            float gs = Subnormals.Flush(g[j], Subnormals.Squared);
            v[j] = Subnormals.Flush(rho * v[j] + (1 - rho) * gs * gs, Subnormals.State);
            w[j] -= lr * g[j] / (MathF.Sqrt(v[j]) + eps);
        }
    }
}
