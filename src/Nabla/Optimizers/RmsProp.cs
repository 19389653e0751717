using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>
/// RMSProp, in PyTorch's form: <c>v ← ρ·v + (1−ρ)·g²</c>, <c>W ← W − α·g/(√v + ε)</c>, ρ = 0.99, ε = 1e−8.
/// </summary>
/// <remarks>Tieleman and Hinton (2012), Lecture 6.5 of "Neural Networks for Machine Learning".</remarks>
public sealed class RmsProp : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _squares;

    /// <summary>Creates the optimizer; the running mean of g² starts at zero.</summary>
    public RmsProp(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float rho = 0.99f, float epsilon = 1e-8f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _squares = _parameters.Select(p => new float[p.Value.Length]).ToArray();
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
        float rho = Rho, lr = LearningRate, eps = Epsilon;
        for (int i = 0; i < _parameters.Length; i++)
        {
            float[] w = _parameters[i].Value, g = _parameters[i].Gradient, v = _squares[i];
            for (int j = 0; j < w.Length; j++)
            {
                v[j] = rho * v[j] + (1 - rho) * g[j] * g[j];
                w[j] -= lr * g[j] / (MathF.Sqrt(v[j]) + eps);
            }
        }
    }
}
