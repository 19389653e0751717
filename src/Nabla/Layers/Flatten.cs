using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Flattens each sample to one dimension: [batch, d₁, d₂, …] → [batch, d₁·d₂·…] (row-major, so nothing moves; as
/// PyTorch's <c>nn.Flatten</c> and Keras's <c>Flatten</c>). Backward reshapes the gradient back.
/// </summary>
public sealed class Flatten : ViewLayer
{
    /// <summary>The "flatten" layer kind.</summary>
    public static LayerType Definition { get; } = new("flatten", "each sample to one dimension", [], _ => new Flatten());


    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf();

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape) => new(inputShape.Count);
}
