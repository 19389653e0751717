using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Parameters;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Training;

/// <summary>
/// The gradient of one batch: zero the gradients, then forward, loss and backward over chunks of at most
/// <see cref="ChunkRows"/> rows whose gradients accumulate (each chunk's activations are still in cache when its
/// backward pass reads them). A batch of several chunks runs data-parallel: the model and a replica that shares its
/// weights (<see cref="Sequential.TryCreateReplica"/>) each take every other chunk on a thread of their own, and the
/// replica's gradients are added to the model's. The split is by chunk, not by thread count, so the result is the
/// same on any number of threads.
/// </summary>
internal sealed class DataParallelStep : IParallelWork
{
    /// <summary>Largest number of rows run through the network at once; bigger batches accumulate over chunks.</summary>
    public const int ChunkRows = 512;

    private readonly List<ChunkRunner> _runners = [];
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly IReadOnlyList<Parameter> _replicaParameters = [];
    private readonly int _chunkRows;
    private long _step;
    private int _start, _rows;

    public DataParallelStep(Sequential model, LossHead head, Dataset train, int[] order, int batchSize, bool fullBatch, ImageAugmentation? augmentation = null, int seed = 0)
    {
        _chunkRows = model.Layers.Any(l => l.MixesBatch) ? batchSize : ChunkRows;
        _parameters = model.Parameters;
        _runners.Add(new ChunkRunner(model, head, new BatchSource(train, order, fullBatch, model.AcceptsByteRows, augmentation, seed), train.Labels, order));
        if (batchSize > _chunkRows && model.TryCreateReplica() is { } replica)
        {
            _runners.Add(new ChunkRunner(replica, head, new BatchSource(train, order, fullBatch, replica.AcceptsByteRows, augmentation, seed), train.Labels, order));
            _replicaParameters = replica.Parameters;
        }
    }

    /// <summary>Whether a replica shares the work.</summary>
    public bool IsParallel => _runners.Count > 1;

    /// <summary>Computes the gradient of the batch order[start .. start + rows) into the model's parameters; returns
    /// its mean loss and correct predictions, or the first non-finite chunk loss.</summary>
    public (double Loss, long Correct, float? Diverged) Run(long step, int start, int rows)
    {
        foreach (ChunkRunner runner in _runners)
        {
            runner.Model.ZeroGradients();
        }

        (_step, _start, _rows) = (step, start, rows);
        ParallelWorkers.Shared.Run(this, _runners.Count);

        // Add up in runner order (deterministic), then the replica's gradients into the model's.
        double loss = 0;
        long correct = 0;
        float? diverged = null;
        foreach (ChunkRunner runner in _runners)
        {
            (loss, correct, diverged) = (loss + runner.Loss, correct + runner.Correct, diverged ?? runner.Diverged);
        }

        for (int i = 0; i < _replicaParameters.Count; i++)
        {
            TensorPrimitives.Add(_parameters[i].Gradient, _replicaParameters[i].Gradient, _parameters[i].Gradient);
        }

        return (loss, correct, diverged);
    }

    /// <summary>Runner r takes chunks r, r + R, r + 2R, … of the batch (R runners).</summary>
    public void Execute(int threadIndex, int threadCount)
    {
        for (int r = threadIndex; r < _runners.Count; r += threadCount)
        {
            ChunkRunner runner = _runners[r];
            runner.Reset();
            for (int chunkStart = r * _chunkRows, chunk = r; chunkStart < _rows; chunkStart += _chunkRows * _runners.Count, chunk += _runners.Count)
            {
                runner.Run(ForwardContext.ForTraining(_step * 4096 + chunk), _start + chunkStart, Math.Min(_chunkRows, _rows - chunkStart), _rows);
            }
        }
    }

    /// <summary>Forward, loss, backward and accuracy of chunks, on one model (the trained one or its replica), with
    /// buffers of its own.</summary>
    private sealed class ChunkRunner(Sequential model, LossHead head, BatchSource source, int[]? labels, int[] order)
    {
        private readonly BatchBuffer _gradient = new();
        private int[] _predicted = [];

        public Sequential Model => model;

        public double Loss { get; private set; }

        public long Correct { get; private set; }

        public float? Diverged { get; private set; }

        public void Reset() => (Loss, Correct, Diverged) = (0, 0, null);

        /// <summary>Samples order[start .. start + rows) of a batch of <paramref name="batchRows"/> rows.</summary>
        public void Run(ForwardContext context, int start, int rows, int batchRows)
        {
            Tensor? x = source.Features(start, rows, context.Step, out ByteRows? bytes);
            Tensor t = source.Targets(start, rows);
            Tensor output = bytes is not null ? model.ForwardBytes(bytes, context) : model.Forward(x!, context);
            int outputs = output.RowLength;
            Tensor dOutput = _gradient.Like(output);
            float loss = head.Compute(output.Span, t.Span, outputs, dOutput.Span);
            if (!float.IsFinite(loss))
            {
                Diverged ??= loss;
                return;
            }

            if (rows != batchRows)
            {
                // The loss gradient is of the chunk's mean; the step needs the batch's mean.
                TensorMath.Scale((float)rows / batchRows, dOutput.Span);
            }

            model.Backward(dOutput, head.BackwardLayers);
            if (labels is not null)
            {
                if (_predicted.Length < rows)
                {
                    _predicted = new int[rows];
                }

                head.Loss.OutputTransform.PredictClasses(output.Span, outputs, _predicted.AsSpan(0, rows));
                long correct = 0;
                for (int i = 0; i < rows; i++)
                {
                    correct += _predicted[i] == labels[order[start + i]] ? 1 : 0;
                }

                Correct += correct;
            }

            Loss += (double)loss * rows / batchRows;
        }
    }
}
