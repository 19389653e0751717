using Nabla.Tensors;

namespace Nabla.Parameters;

/// <summary>
/// A trainable tensor and its gradient, of the same shape. Layers own parameters and accumulate into
/// <see cref="Gradient"/> during backward; optimizers read the gradient and update <see cref="Value"/>.
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a zero-filled parameter.</summary>
    public Parameter(string name, Shape shape, bool isWeight)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = shape;
        IsWeight = isWeight;
        Value = new float[shape.Count];
        Gradient = new float[shape.Count];
    }

    /// <summary>Name within its layer ("weight", "bias"); the model file prefixes the layer's name.</summary>
    public string Name { get; }

    /// <summary>Shape of <see cref="Value"/> and <see cref="Gradient"/>.</summary>
    public Shape Shape { get; }

    /// <summary>Whether this is a weight (penalized by L2 regularization) rather than a bias or shift.</summary>
    public bool IsWeight { get; }

    /// <summary>The values, row-major.</summary>
    public float[] Value { get; private set; }

    /// <summary>∂loss/∂value, accumulated by backward passes until <see cref="ZeroGradient"/>.</summary>
    public float[] Gradient { get; }

    /// <summary>Makes this parameter use <paramref name="source"/>'s values (same array), keeping its own gradient: a
    /// training replica's layers read the model's weights and accumulate their own gradients.</summary>
    internal void ShareValues(Parameter source)
    {
        if (!source.Shape.Equals(Shape))
        {
            throw new ArgumentException($"Cannot share {source} with {this}: the shapes differ.");
        }

        Value = source.Value;
    }

    /// <summary>Sets the gradient to zero.</summary>
    public void ZeroGradient() => Array.Clear(Gradient);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Shape}";
}
