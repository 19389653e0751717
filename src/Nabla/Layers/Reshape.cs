using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Views each sample with another shape of the same size, as Keras's <c>Reshape</c>: [batch, 1, 28, 28] →
/// <c>reshape(28, 28)</c> → [batch, 28, 28] (image rows become a sequence of 28 steps of 28 values). Row-major, so
/// nothing moves; one dimension may be -1 (inferred). Backward reshapes the gradient back.
/// </summary>
public sealed class Reshape : ViewLayer
{
    /// <summary>The "reshape" layer kind.</summary>
    public static LayerType Definition { get; } = new("reshape", "each sample viewed with another shape of the same size",
        [new("shape", ParameterKind.IntList, Minimum: -1)], a => new Reshape(a.Ints("shape")));

    private readonly int[] _target;

    /// <summary>Creates the layer for a per-sample target shape (one dimension may be -1).</summary>
    public Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d == 0 || d < -1) || shape.Count(d => d == -1) > 1)
        {
            throw new ArgumentException($"reshape: a shape of positive sizes with at most one -1, got ({string.Join(", ", shape)}).");
        }

        _target = (int[])shape.Clone();
    }

    /// <summary>The target shape as given (possibly with a -1).</summary>
    public IReadOnlyList<int> TargetShape => _target;

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf(("shape", string.Join(",", _target)));

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        int known = _target.Where(d => d > 0).Aggregate(1, (a, d) => a * d);
        int[] result = (int[])_target.Clone();
        int free = Array.IndexOf(result, -1);
        if (free >= 0 && known > 0 && inputShape.Count % known == 0)
        {
            result[free] = inputShape.Count / known;
        }

        if (result.Any(d => d <= 0) || result.Aggregate(1L, (a, d) => a * d) != inputShape.Count)
        {
            throw new ShapeMismatchException($"Layer {Describe()} cannot view [batch, {string.Join(", ", inputShape.ToArray())}] ({inputShape.Count} values per sample) as [batch, {string.Join(", ", _target)}].");
        }

        return new Shape(result);
    }
}
