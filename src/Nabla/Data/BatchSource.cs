using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// Where a training chunk's inputs and targets come from, chosen once per run: the dataset's own rows viewed in place
/// (full batch on float data: no copy), the compact bytes read in place by a first layer that can (see
/// <see cref="ByteRows"/>), or the chunk's rows gathered (and expanded from bytes) into buffers of its own. One
/// instance per thread that runs chunks; its buffers are reused, so nothing is allocated per batch.
/// </summary>
internal sealed class BatchSource
{
    private readonly Dataset _data;
    private readonly int[] _order;
    private readonly Mode _mode;
    private readonly Shape _sampleShape;
    private readonly BatchBuffer _features = new();
    private readonly BatchBuffer _targets = new();
    private readonly ByteRows _bytes = new();
    private Tensor? _featureView, _targetView;

    /// <summary>Chooses the mode for <paramref name="data"/> read in <paramref name="order"/>.</summary>
    public BatchSource(Dataset data, int[] order, bool fullBatch, bool modelReadsBytes)
    {
        (_data, _order, _sampleShape) = (data, order, data.SampleShape);
        _mode = modelReadsBytes && data.IsCompact ? Mode.Bytes : fullBatch && !data.IsCompact ? Mode.Views : Mode.Copies;
        FullBatch = fullBatch;
    }

    private enum Mode
    {
        Views,
        Bytes,
        Copies,
    }

    /// <summary>Whether batches are the whole dataset in its order (targets are then viewed in place too).</summary>
    public bool FullBatch { get; }

    /// <summary>The inputs of samples order[start .. start + rows): a tensor, or (byte mode) null with
    /// <paramref name="bytes"/> set.</summary>
    public Tensor? Features(int start, int rows, out ByteRows? bytes)
    {
        bytes = null;
        switch (_mode)
        {
            case Mode.Bytes:
                _data.TryGetByteRows(_order, start, rows, _bytes);
                bytes = _bytes;
                return null;
            case Mode.Views:
                return rows == _data.Count ? _data.Features : View(ref _featureView, _data.Features, start, rows);
            default:
                Tensor x = _features.Get(rows, _sampleShape);
                _data.CopyFeatures(_order.AsSpan(start, rows), x.Span);
                return x;
        }
    }

    /// <summary>The targets of samples order[start .. start + rows).</summary>
    public Tensor Targets(int start, int rows)
    {
        if (FullBatch)
        {
            return rows == _data.Count ? _data.Targets : View(ref _targetView, _data.Targets, start, rows);
        }

        Tensor t = _targets.Get(rows, _data.OutputCount);
        _data.CopyTargets(_order.AsSpan(start, rows), t.Span);
        return t;
    }

    private static Tensor View(ref Tensor? view, Tensor source, int start, int rows)
    {
        view ??= source.RowRange(start, rows);
        view.SetRowView(source, start, rows);
        return view;
    }
}
