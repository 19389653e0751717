using Nabla.Initializers;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Flattens each sample to one dimension: [batch, d₁, d₂, …] → [batch, d₁·d₂·…] (row-major, so nothing moves; as
/// PyTorch's <c>nn.Flatten</c> and Keras's <c>Flatten</c>). Backward reshapes the gradient back.
/// </summary>
public sealed class Flatten : Layer
{
    /// <summary>The "flatten" layer kind.</summary>
    public static LayerType Definition { get; } = new("flatten", "each sample to one dimension", [], _ => new Flatten());

    private readonly Tensor _output = new(0, 0);
    private readonly Tensor _inputGradient = new(0, 0);

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf();

    /// <inheritdoc/>
    public override bool IsReshape => true;

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape) => new(inputShape.Count);

    /// <summary>Y = X viewed as [batch, features] (no copy).</summary>
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
