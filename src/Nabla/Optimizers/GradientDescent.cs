using System.Numerics.Tensors;
using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>Plain gradient descent, the tutorials' update: <c>W ← W − α·dW</c>.</summary>
public sealed class GradientDescent : IOptimizer
{
    private readonly Parameter[] _parameters;

    /// <summary>Creates the optimizer.</summary>
    public GradientDescent(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        LearningRate = learningRate;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <inheritdoc/>
    public long StepCount { get; set; }

    /// <inheritdoc/>
    public IReadOnlyList<float[]> State => [];

    /// <inheritdoc/>
    public void Step()
    {
        StepCount++;
        foreach (Parameter p in _parameters)
        {
            TensorPrimitives.MultiplyAdd(p.Gradient, -LearningRate, p.Value, p.Value);
        }
    }
}
