using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A [rows, columns] tensor reused from batch to batch: memory is allocated for the largest batch seen, and a
/// smaller batch (the last one of an epoch) gets a row view of it, so steady-state training allocates nothing.
/// </summary>
internal sealed class BatchBuffer
{
    private Tensor? _storage;
    private Tensor? _view;

    /// <summary>A tensor of exactly <paramref name="rows"/> rows and <paramref name="columns"/> columns.</summary>
    public Tensor Get(int rows, int columns)
    {
        if (_storage is null || _storage.Rows < rows || _storage.RowLength != columns)
        {
            _storage = new Tensor(rows, columns);
            _view = null;
        }

        if (_storage.Rows == rows)
        {
            return _storage;
        }

        _view ??= _storage.RowRange(0, rows);
        _view.SetRowView(_storage, 0, rows);
        return _view;
    }
}
