namespace Nabla.Tensors;

/// <summary>
/// The dimensions of a tensor, batch first and row-major: <c>[batch, features]</c> or
/// <c>[batch, channels, height, width]</c>. Immutable; prints as <c>[64, 784]</c>.
/// </summary>
public sealed class Shape : IEquatable<Shape>
{
    private readonly int[] _dimensions;

    /// <summary>Creates a shape from its dimensions (each ≥ 0).</summary>
    public Shape(params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        foreach (int d in dimensions)
        {
            if (d < 0)
            {
                throw new ArgumentException($"A shape cannot have a negative dimension: [{string.Join(", ", dimensions)}].");
            }
        }

        _dimensions = (int[])dimensions.Clone();
        long count = 1;
        foreach (int d in _dimensions)
        {
            count *= d;
        }

        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"Shape {this} holds {count} values, more than one array can.");
        }

        Count = (int)count;
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dimensions.Length;

    /// <summary>Number of values (the product of the dimensions).</summary>
    public int Count { get; }

    /// <summary>The size of dimension <paramref name="index"/>.</summary>
    public int this[int index] => _dimensions[index];

    /// <summary>The dimensions as a new array.</summary>
    public int[] ToArray() => (int[])_dimensions.Clone();

    /// <summary>The dimensions, without copying.</summary>
    public ReadOnlySpan<int> Dimensions => _dimensions;

    /// <summary>[<paramref name="batch"/>, this...]: a per-sample shape with the batch dimension in front.</summary>
    public Shape WithBatchDimension(int batch) => new([batch, .. _dimensions]);

    /// <summary>All dimensions but the first: the per-sample shape of a batch shape.</summary>
    public Shape WithoutBatch() => Rank == 0 ? this : new Shape(_dimensions[1..]);

    /// <summary>The last dimension (1 for a scalar shape).</summary>
    public int Last => Rank == 0 ? 1 : _dimensions[^1];

    /// <summary>Prints a per-sample shape as Keras does, with the batch as None: "(None, 28, 28)".</summary>
    public string ToBatchString() => "(None" + string.Concat(_dimensions.Select(d => ", " + d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")";

    /// <summary>The same shape with dimension 0 (the batch) replaced.</summary>
    public Shape WithBatch(int batch)
    {
        int[] d = ToArray();
        d[0] = batch;
        return new Shape(d);
    }

    /// <inheritdoc/>
    public bool Equals(Shape? other) => other is not null && _dimensions.AsSpan().SequenceEqual(other._dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Shape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in _dimensions)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", _dimensions) + "]";
}
