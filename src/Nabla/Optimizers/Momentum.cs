using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>
/// Gradient descent with momentum, in PyTorch's form: <c>v ← μ·v + g</c>, then <c>W ← W − α·v</c>; with Nesterov
/// momentum the step looks ahead: <c>W ← W − α·(g + μ·v)</c>.
/// </summary>
/// <remarks>Polyak (1964), "Some methods of speeding up the convergence of iteration methods"; Sutskever et al. (2013),
/// "On the importance of initialization and momentum in deep learning" for the Nesterov form.</remarks>
public sealed class Momentum : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _velocities;

    /// <summary>Creates the optimizer; velocities start at zero.</summary>
    public Momentum(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0.9f, bool nesterov = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _velocities = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        LearningRate = learningRate;
        Coefficient = momentum;
        Nesterov = nesterov;
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
        float mu = Coefficient, lr = LearningRate;
        for (int i = 0; i < _parameters.Length; i++)
        {
            float[] w = _parameters[i].Value, g = _parameters[i].Gradient, v = _velocities[i];
            for (int j = 0; j < w.Length; j++)
            {
                v[j] = mu * v[j] + g[j];
                w[j] -= lr * (Nesterov ? g[j] + mu * v[j] : v[j]);
            }
        }
    }
}
