using Nabla.Initializers;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// What the reshaping layers share (<see cref="Flatten"/>, <see cref="Reshape"/>): each sample viewed with another shape
/// of the same size. Row-major, so nothing moves: the forward pass is a view of the input, the backward pass a view of
/// the gradient (neither copies nor allocates in steady state).
/// </summary>
public abstract class ViewLayer : Layer
{
    private readonly Tensor _output = new(0, 0);
    private readonly Tensor _inputGradient = new(0, 0);

    /// <inheritdoc/>
    public override bool IsReshape => true;

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <summary>Y = X viewed as [batch, OutputShape...].</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        _output.SetReshapedView(input, OutputShape);
        return _output;
    }

    /// <summary>dX = dY viewed as [batch, InputShape...].</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!needInputGradient)
        {
            return null;
        }

        _inputGradient.SetReshapedView(outputGradient, InputShape);
        return _inputGradient;
    }
}
