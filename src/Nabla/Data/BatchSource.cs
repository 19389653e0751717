using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// Where a training chunk's inputs and targets come from, chosen once per run: the dataset's own rows viewed in place
/// (full batch on float data: no copy), the compact bytes read in place by a first layer that can (see
/// <see cref="ByteRows"/>), or the chunk's rows gathered (and expanded from bytes) into buffers of its own — and then,
/// for images with an <see cref="ImageAugmentation"/>, distorted. One instance per thread that runs chunks; its buffers
/// are reused, so nothing is allocated per batch.
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
    private readonly BatchBuffer _undistorted = new();
    private readonly BatchAugmenter? _augmenter;
    private Tensor? _featureView, _targetView;

    /// <summary>Chooses the mode for <paramref name="data"/> read in <paramref name="order"/>; with
    /// <paramref name="augmentation"/> (images only) the batches are copies, distorted with draws from
    /// <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">Augmentation for samples that are not images [channels, height, width].</exception>
    public BatchSource(Dataset data, int[] order, bool fullBatch, bool modelReadsBytes, ImageAugmentation? augmentation = null, int seed = 0)
    {
        (_data, _order, _sampleShape) = (data, order, data.SampleShape);
        if (augmentation is { IsIdentity: false })
        {
            if (_sampleShape.Rank != 3)
            {
                throw new ArgumentException($"Augmentation ({augmentation}) distorts images [channels, height, width], but the samples are {_sampleShape}.");
            }

            _augmenter = new BatchAugmenter(augmentation, _sampleShape, seed);
        }

        _mode = _augmenter is not null ? Mode.Copies : modelReadsBytes && data.IsCompact ? Mode.Bytes : fullBatch && !data.IsCompact ? Mode.Views : Mode.Copies;
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

    /// <summary>The inputs of samples order[start .. start + rows) at training step <paramref name="step"/> (which, with
    /// the sample, picks each distortion): a tensor, or (byte mode) null with <paramref name="bytes"/> set.</summary>
    public Tensor? Features(int start, int rows, long step, out ByteRows? bytes)
    {
        bytes = null;
        switch (_mode)
        {
            case Mode.Bytes when _data.TryGetByteRows(_order, start, rows, _bytes):
                bytes = _bytes;
                return null;
            case Mode.Views:
                return rows == _data.Count ? _data.Features : View(ref _featureView, _data.Features, start, rows);
            default:
                // Copies — and byte mode once the dataset has been expanded to floats meanwhile (it may be shared: another
                // thread can ask for its Features during this run), when the floats are the data and there are no byte
                // rows to read
                Tensor x = _features.Get(rows, _sampleShape);
                if (_augmenter is null)
                {
                    _data.CopyFeatures(_order.AsSpan(start, rows), x.Span);
                    return x;
                }

                Tensor undistorted = _undistorted.Get(rows, _sampleShape);
                _data.CopyFeatures(_order.AsSpan(start, rows), undistorted.Span);
                _augmenter.Run(undistorted, x, _order, start, step);
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

        Tensor t = _targets.Get(rows, _data.TargetWidth);
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
