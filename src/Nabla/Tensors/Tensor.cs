using System.Diagnostics;

namespace Nabla.Tensors;

/// <summary>
/// A dense float32 tensor: contiguous, row-major, batch first. It may be a view of a range of rows
/// (dimension 0) of a larger tensor, sharing its memory.
/// </summary>
/// <remarks>
/// Layers own their tensors and reuse them from batch to batch; <see cref="Rows"/> makes a view without
/// copying, and <see cref="SetRowView"/> re-points an existing view so that a training loop allocates nothing
/// per batch.
/// </remarks>
[DebuggerDisplay("Tensor {Shape}")]
public sealed class Tensor
{
    private float[] _data;
    private int _offset;
    private Shape? _previousShape;

    /// <summary>Creates a zero-filled tensor.</summary>
    public Tensor(params int[] dimensions)
        : this(new Shape(dimensions))
    {
    }

    /// <summary>Creates a zero-filled tensor.</summary>
    public Tensor(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        _data = new float[shape.Count];
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) with the given shape.</summary>
    public Tensor(float[] data, Shape shape)
        : this(data, 0, shape)
    {
    }

    private Tensor(float[] data, int offset, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        if (offset + shape.Count > data.Length)
        {
            throw new ArgumentException($"A tensor of shape {shape} needs {shape.Count} values but the array has {data.Length - offset}.");
        }

        _data = data;
        _offset = offset;
        Shape = shape;
    }

    /// <summary>The dimensions.</summary>
    public Shape Shape { get; private set; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>Number of values.</summary>
    public int Length => Shape.Count;

    /// <summary>Size of dimension 0 (the batch).</summary>
    public int Rows => Shape.Rank == 0 ? 1 : Shape[0];

    /// <summary>Values per row (the product of all dimensions but the first).</summary>
    public int RowLength => Shape.Rank == 0 ? 1 : (Shape[0] == 0 ? 0 : Shape.Count / Shape[0]);

    /// <summary>The values, row-major.</summary>
    public Span<float> Span => _data.AsSpan(_offset, Shape.Count);

    /// <summary>Row <paramref name="row"/> (all dimensions but the first), as a span.</summary>
    public Span<float> Row(int row) => _data.AsSpan(_offset + row * RowLength, RowLength);

    /// <summary>A view of rows [start, start+count): shares memory with this tensor.</summary>
    public Tensor RowRange(int start, int count)
    {
        CheckRowRange(start, count);
        return new Tensor(_data, _offset + start * RowLength, Shape.WithBatch(count));
    }

    /// <summary>Re-points this tensor at rows [start, start+count) of <paramref name="source"/>, without allocating
    /// when the batch size is unchanged.</summary>
    public void SetRowView(Tensor source, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.CheckRowRange(start, count);
        _data = source._data;
        _offset = source._offset + start * source.RowLength;
        if (!IsBatchOf(Shape, count, source.Shape.Dimensions[1..]))
        {
            SwapShape(IsBatchOf(_previousShape, count, source.Shape.Dimensions[1..]) ? _previousShape! : source.Shape.WithBatch(count));
        }
    }

    /// <summary>Whether <paramref name="shape"/> is [<paramref name="rows"/>, <paramref name="sample"/>...].</summary>
    private static bool IsBatchOf(Shape? shape, int rows, ReadOnlySpan<int> sample) =>
        shape is not null && shape.Rank == sample.Length + 1 && shape[0] == rows && shape.Dimensions[1..].SequenceEqual(sample);

    /// <summary>Sets a new shape, keeping the old one: a view that alternates between two row counts (the last chunk
    /// of a batch) then allocates nothing.</summary>
    private void SwapShape(Shape shape) => (_previousShape, Shape) = (Shape, shape);

    /// <summary>A view of the same values with another shape of the same size (a reshape that copies nothing).</summary>
    public Tensor Reshape(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != Length)
        {
            throw new ArgumentException($"Cannot view a tensor of shape {Shape} ({Length} values) as {shape} ({shape.Count} values).");
        }

        return new Tensor(_data, _offset, shape);
    }

    /// <summary>Re-points this tensor at all of <paramref name="source"/>'s values viewed as
    /// [<paramref name="source"/>.Rows, <paramref name="sampleShape"/>...]: a reshape that allocates nothing when the
    /// batch size is unchanged.</summary>
    public void SetReshapedView(Tensor source, Shape sampleShape)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Count != source.RowLength)
        {
            throw new ArgumentException($"Cannot view rows of {source.RowLength} values as {sampleShape}.");
        }

        _data = source._data;
        _offset = source._offset;
        if (!IsBatchOf(Shape, source.Rows, sampleShape.Dimensions))
        {
            SwapShape(IsBatchOf(_previousShape, source.Rows, sampleShape.Dimensions) ? _previousShape! : sampleShape.WithBatchDimension(source.Rows));
        }
    }

    /// <summary>A copy with its own memory.</summary>
    public Tensor Clone() => new(Span.ToArray(), Shape);

    /// <summary>Gets or sets the value at row-major position <paramref name="index"/>.</summary>
    public float this[int index]
    {
        get => Span[index];
        set => Span[index] = value;
    }

    /// <summary>Gets or sets the value at (<paramref name="row"/>, <paramref name="column"/>) of a matrix.</summary>
    public float this[int row, int column]
    {
        get => _data[_offset + row * RowLength + column];
        set => _data[_offset + row * RowLength + column] = value;
    }

    private void CheckRowRange(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {start + count}) are outside a tensor of shape {Shape}.");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor {Shape}";
}
