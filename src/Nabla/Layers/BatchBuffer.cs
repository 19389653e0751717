using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A [rows, sample...] tensor reused from batch to batch: memory is allocated for the largest batch seen, and a
/// smaller batch (the last one of an epoch) gets a row view of it, so steady-state training allocates nothing.
/// </summary>
internal sealed class BatchBuffer
{
    private Tensor? _storage;
    private Tensor? _view;

    /// <summary>A tensor of exactly <paramref name="rows"/> rows of <paramref name="columns"/> values.</summary>
    public Tensor Get(int rows, int columns)
    {
        if (_storage is null || _storage.Rows < rows || _storage.Rank != 2 || _storage.RowLength != columns)
        {
            return Allocate(new Shape(rows, columns));
        }

        return View(rows);
    }

    /// <summary>A tensor of shape [<paramref name="rows"/>, <paramref name="sampleShape"/>...].</summary>
    public Tensor Get(int rows, Shape sampleShape)
    {
        if (_storage is null || _storage.Rows < rows || _storage.Rank != sampleShape.Rank + 1 || !_storage.Shape.Dimensions[1..].SequenceEqual(sampleShape.Dimensions))
        {
            return Allocate(sampleShape.WithBatchDimension(rows));
        }

        return View(rows);
    }

    /// <summary>A tensor of the same shape as <paramref name="like"/> (any rank, batch first).</summary>
    public Tensor Like(Tensor like)
    {
        // compares the dimensions in place: a Shape made per call would allocate on every batch
        if (_storage is null || _storage.Rows < like.Rows || _storage.Rank != like.Rank || !_storage.Shape.Dimensions[1..].SequenceEqual(like.Shape.Dimensions[1..]))
        {
            return Allocate(like.Shape);
        }

        return View(like.Rows);
    }

    private Tensor Allocate(Shape shape)
    {
        _storage = new Tensor(shape);
        _view = null;
        return _storage;
    }

    private Tensor View(int rows)
    {
        if (_storage!.Rows == rows)
        {
            return _storage;
        }

        _view ??= _storage.RowRange(0, rows);
        _view.SetRowView(_storage, 0, rows);
        return _view;
    }
}
