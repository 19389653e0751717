using System.Numerics.Tensors;
using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>Plain gradient descent, the tutorials' update: <c>W ← W − α·dW</c>.</summary>
public sealed class GradientDescent : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly ParameterSegments _segments;
    private readonly Action<int, int, int> _update;

    /// <summary>Creates the optimizer.</summary>
    public GradientDescent(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _segments = new ParameterSegments(_parameters);
        _update = (p, start, length) => TensorPrimitives.MultiplyAdd(
            _parameters[p].Gradient.AsSpan(start, length), -LearningRate, _parameters[p].Value.AsSpan(start, length), _parameters[p].Value.AsSpan(start, length));
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
        _segments.Run(_update);
    }
}
