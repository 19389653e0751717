using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Parameters;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Training;

/// <summary>
/// One training run and all of its state — the model, the optimizer and its moments, the schedule, early stopping, the
/// history and how many epochs are done — so a checkpoint can save it and a resumed run can continue bit for bit.
/// </summary>
/// <remarks>
/// Each epoch: shuffle the sample indices with a generator seeded from (seed, epoch); each batch: set the learning
/// rate from the schedule → zero gradients → forward → loss → backward (in chunks of ≤ 512 rows whose gradients
/// accumulate; several chunks run on the model and a weight-sharing replica, one per thread) → L2 penalty →
/// clipping → optimizer step. No console output: progress goes to an
/// <see cref="IProgress{T}"/> and to callbacks, and cancellation (Ctrl+C in the CLI) stops after the current batch with
/// the weights intact.
/// </remarks>
public sealed class TrainingSession
{
    /// <summary>Largest number of rows run through the network at once; bigger batches accumulate gradients over chunks.</summary>
    internal const int ChunkRows = 512;

    private readonly List<Parameter> _state;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly IReadOnlyList<Layer> _layers;
    private float[][]? _bestState;
    private double _best = double.NaN;
    private int _wait;

    // The first training samples, run through the model after every epoch to catch a step that diverged (CheckFinite).
    private const int DivergenceProbeRows = 32;
    private readonly int[] _probeRows = Enumerable.Range(0, DivergenceProbeRows).ToArray();
    private Tensor? _probe;

    /// <summary>Creates a session that has not trained yet.</summary>
    public TrainingSession(Sequential model, ILoss loss, IOptimizer optimizer, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        (Model, Loss, Optimizer, Options) = (model, loss, optimizer, options);
        InitialLearningRate = optimizer.LearningRate;
        _state = [.. model.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers))];
        _parameters = model.Parameters;
        _layers = model.Layers;
    }

    /// <summary>The model being trained.</summary>
    public Sequential Model { get; }

    /// <summary>The loss.</summary>
    public ILoss Loss { get; }

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The learning rate the schedule starts from.</summary>
    public float InitialLearningRate { get; set; }

    /// <summary>Epochs completed so far.</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>The per-epoch history so far.</summary>
    public TrainingHistory History { get; private set; } = new();

    /// <summary>Whether <see cref="Run"/> has finished (all epochs, early stopping or cancellation).</summary>
    public bool Finished { get; private set; }

    /// <summary>Early stopping's state: the best monitored value, epochs since, and the best weights (parameters then
    /// buffers, layer by layer), or nulls without early stopping.</summary>
    public (double Best, int Wait, float[][]? BestState) EarlyStoppingState => (_best, _wait, _bestState);

    /// <summary>Restores the progress a checkpoint saved (the model and optimizer arrays are restored by the caller).</summary>
    public void Restore(int completedEpochs, IEnumerable<EpochReport> history, double[] scheduleState, double best, int wait, float[][]? bestState)
    {
        ArgumentNullException.ThrowIfNull(history);
        CompletedEpochs = completedEpochs;
        History = new TrainingHistory();
        foreach (EpochReport report in history)
        {
            History.Add(report);
        }

        Options.Schedule?.LoadState(scheduleState);
        (_best, _wait, _bestState) = (best, wait, bestState);
        if (_bestState is not null && Options.EarlyStopping is not null)
        {
            History.BestEpoch = History.Epochs.Select((e, i) => (Value: Monitored(e, Options.EarlyStopping), Epoch: i + 1))
                .FirstOrDefault(p => p.Value == _best).Epoch;
        }
    }

    /// <summary>Trains from the epoch after <see cref="CompletedEpochs"/> to <see cref="TrainingOptions.Epochs"/>.</summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="ShapeMismatchException">The data does not fit the model.</exception>
    public TrainingHistory Run(Dataset train, Dataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckFits(Model, train, "training");
        if (validation is not null)
        {
            CheckFits(Model, validation, "validation");
        }

        EarlyStopping? stopping = Options.EarlyStopping;
        if (stopping is not null && stopping.Monitor.StartsWith("val_", StringComparison.Ordinal) && validation is null)
        {
            throw new ArgumentException($"Early stopping on {stopping.Monitor} needs a validation set (e.g. --val-split 0.1), or monitor loss/accuracy.");
        }

        Model.OutputTransform = Loss.OutputTransform;
        int count = train.Count, classes = train.OutputCount;
        int[]? labels = train.Labels;
        int batchSize = Options.BatchSize <= 0 || Options.BatchSize >= count ? count : Options.BatchSize;
        bool fullBatch = batchSize == count;
        int batchesPerEpoch = (count + batchSize - 1) / batchSize;
        int chunkLimit = Model.Layers.Any(l => l.MixesBatch) ? batchSize : ChunkRows;
        long totalSteps = (long)batchesPerEpoch * Options.Epochs;
        int[] order = new int[count];
        var batchJob = new BatchJob(train, Loss, order, fullBatch, chunkLimit, Model);

        // Batches of several chunks (full batch above all) run data-parallel: the model and a replica that shares its
        // weights each take every other chunk on a thread of their own, and the replica's gradients are added to the
        // model's before the step. The split is by chunk, not by thread count: the result is the same on any number
        // of threads.
        Sequential? replica = batchSize > chunkLimit ? Model.TryCreateReplica() : null;
        IReadOnlyList<Parameter> replicaParameters = replica?.Parameters ?? [];
        if (replica is not null)
        {
            batchJob.AddReplica(replica);
        }

        var total = Stopwatch.StartNew();
        float learningRate = Optimizer.LearningRate;

        for (int epoch = CompletedEpochs + 1; epoch <= Options.Epochs && !Finished; epoch++)
        {
            var watch = Stopwatch.StartNew();
            foreach (ITrainingCallback callback in Options.Callbacks)
            {
                callback.OnEpochBegin(this, epoch);
            }

            for (int i = 0; i < count; i++)
            {
                order[i] = i;
            }

            if (Options.Shuffle && !fullBatch)
            {
                // A generator per epoch, seeded from (seed, epoch): a resumed run shuffles as an uninterrupted one.
                new Random(unchecked(Options.Seed * 1_000_003 + epoch)).Shuffle(order);
            }

            double lossSum = 0;
            long correct = 0, seen = 0;
            for (int batch = 0; batch < batchesPerEpoch; batch++)
            {
                long step = (long)(epoch - 1) * batchesPerEpoch + batch;
                if (Options.Schedule is not null)
                {
                    learningRate = Options.Schedule.LearningRate(InitialLearningRate, step, totalSteps, epoch - 1, (long)(epoch - 1) * count);
                    Optimizer.LearningRate = learningRate;
                }

                int start = batch * batchSize, rows = Math.Min(batchSize, count - start);

                // Large batches (full batch above all) run as chunks whose gradients accumulate before one step:
                // the same update, but each chunk's activations are still in cache when its backward pass reads them.
                Model.ZeroGradients();
                replica?.ZeroGradients();
                batchJob.Prepare(step, start, rows);
                ParallelWorkers.Shared.Run(batchJob, replica is null ? 1 : 2);
                batchJob.Collect();
                if (batchJob.Diverged is { } badLoss)
                {
                    throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                        $"The loss became {badLoss} at epoch {epoch}, batch {batch + 1} of {batchesPerEpoch}. " +
                        $"Usual causes: a learning rate too high (now {Optimizer.LearningRate}), or inputs that are not scaled (e.g. pixels 0..255 instead of 0..1)."));
                }

                if (replica is not null)
                {
                    for (int i = 0; i < _parameters.Count; i++)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(_parameters[i].Gradient, replicaParameters[i].Gradient, _parameters[i].Gradient);
                    }
                }

                double batchLoss = batchJob.Loss;
                correct += batchJob.Correct;
                batchLoss += ApplyL2(rows);
                Clip();
                Optimizer.Step();
                lossSum += batchLoss * rows;
                seen += rows;
                for (int c = 0; c < Options.Callbacks.Count; c++)
                {
                    Options.Callbacks[c].OnBatchEnd(this, epoch, batch + 1, batchLoss);
                }

                progress?.Report(new TrainingProgress(epoch, Options.Epochs, batch + 1, batchesPerEpoch, lossSum / seen, labels is null ? double.NaN : (double)correct / seen, null));
                if (cancellationToken.IsCancellationRequested && batch + 1 < batchesPerEpoch)
                {
                    History.Cancelled = true;
                    Finished = true;
                    break;
                }
            }

            CheckFinite(train, epoch);

            if (History.Cancelled)
            {
                break;
            }

            double? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
            {
                EvaluationResult result = Evaluator.Evaluate(Model, Loss, validation);
                (validationLoss, validationAccuracy) = (result.Loss, result.Accuracy);
            }

            var report = new EpochReport(epoch, lossSum / seen, labels is null ? double.NaN : (double)correct / seen, validationLoss, validationAccuracy, learningRate, watch.Elapsed);
            History.Add(report);
            CompletedEpochs = epoch;
            Options.Schedule?.EpochEnded(validationLoss ?? report.TrainLoss);
            if (stopping is not null && UpdateEarlyStopping(report, stopping))
            {
                History.StoppedEarly = epoch < Options.Epochs;
                Finished = true;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                History.Cancelled = epoch < Options.Epochs;
                Finished = true;
            }

            if (epoch == Options.Epochs)
            {
                Finished = true;
            }

            if (Finished && _bestState is not null)
            {
                RestoreBest();
            }

            foreach (ITrainingCallback callback in Options.Callbacks)
            {
                callback.OnEpochEnd(this, report);
            }

            progress?.Report(new TrainingProgress(epoch, Options.Epochs, batchesPerEpoch, batchesPerEpoch, report.TrainLoss, report.TrainAccuracy, report));
        }

        Finished = true;
        History.Elapsed = total.Elapsed;
        return History;
    }

    /// <summary>
    /// The loss is checked before each step; the step itself can still overflow the weights or make the outputs
    /// non-finite (a huge learning rate). So after each epoch's last step the weights are checked, and the model is run
    /// in inference mode on a few training samples: a checkpoint or model is never written from a diverged run.
    /// </summary>
    private void CheckFinite(Dataset train, int epoch)
    {
        string? bad = Model.FindNonFiniteValue();
        if (bad is null)
        {
            int rows = Math.Min(DivergenceProbeRows, train.Count);
            _probe ??= new Tensor(train.FeatureShape.WithBatch(rows));
            train.CopyFeatures(_probeRows.AsSpan(0, rows), _probe.Span);
            Tensor output = Model.Forward(_probe, training: false);
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(output.Span))
            {
                bad = "the outputs on training samples";
            }
        }

        if (bad is not null)
        {
            throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                $"The model became non-finite ({bad}) after the last step of epoch {epoch}. Usual causes: a learning rate too high (now {Optimizer.LearningRate}), or inputs that are not scaled."));
        }
    }

    /// <summary>L2 on weights, scikit-learn's: dW += α·W/batch; returns the penalty α/(2·batch)·Σ‖W‖² for the loss.</summary>
    private double ApplyL2(int rows)
    {
        if (Options.L2 == 0f)
        {
            return 0;
        }

        double penalty = 0;
        float scale = Options.L2 / rows;
        for (int i = 0; i < _parameters.Count; i++)
        {
            Parameter p = _parameters[i];
            if (p.IsWeight)
            {
                penalty += System.Numerics.Tensors.TensorPrimitives.Dot(p.Value, p.Value);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(p.Value, scale, p.Gradient, p.Gradient);
            }
        }

        return 0.5 * scale * penalty;
    }

    /// <summary>Clips by value, then rescales to the global norm limit.</summary>
    private void Clip()
    {
        if (Options.ClipValue is { } limit)
        {
            for (int i = 0; i < _parameters.Count; i++)
            {
                Parameter p = _parameters[i];
                System.Numerics.Tensors.TensorPrimitives.Clamp(p.Gradient, -limit, limit, p.Gradient);
            }
        }

        if (Options.ClipNorm is { } maxNorm)
        {
            double squares = 0;
            for (int i = 0; i < _parameters.Count; i++)
            {
                Parameter p = _parameters[i];
                squares += System.Numerics.Tensors.TensorPrimitives.Dot(p.Gradient, p.Gradient);
            }

            double norm = Math.Sqrt(squares);
            if (norm > maxNorm)
            {
                float scale = (float)(maxNorm / norm);
                for (int i = 0; i < _parameters.Count; i++)
                {
                    Parameter p = _parameters[i];
                    TensorMath.Scale(scale, p.Gradient);
                }
            }
        }
    }

    /// <summary>Records a new best (and its weights); returns true when patience has run out.</summary>
    private bool UpdateEarlyStopping(EpochReport report, EarlyStopping stopping)
    {
        double value = Monitored(report, stopping);
        bool improved = double.IsNaN(_best) || (stopping.Maximize ? value > _best + stopping.MinDelta : value < _best - stopping.MinDelta);
        if (improved)
        {
            _best = value;
            _wait = 0;
            _bestState ??= _state.Select(p => new float[p.Value.Length]).ToArray();
            for (int i = 0; i < _state.Count; i++)
            {
                _state[i].Value.CopyTo(_bestState[i], 0);
            }

            History.BestEpoch = report.Epoch;
            return false;
        }

        return ++_wait >= stopping.Patience;
    }

    private void RestoreBest()
    {
        for (int i = 0; i < _state.Count; i++)
        {
            _bestState![i].CopyTo(_state[i].Value, 0);
        }
    }

    private static double Monitored(EpochReport report, EarlyStopping stopping) => stopping.Monitor switch
    {
        "val_loss" => report.ValidationLoss ?? double.NaN,
        "val_accuracy" => report.ValidationAccuracy ?? double.NaN,
        "loss" => report.TrainLoss,
        "accuracy" => report.TrainAccuracy,
        _ => throw new ArgumentException($"Early stopping cannot monitor '{stopping.Monitor}'; use val_loss, val_accuracy, loss or accuracy."),
    };

    private static Tensor View(ref Tensor? view, Tensor source, int start, int rows)
    {
        view ??= source.RowRange(start, rows);
        view.SetRowView(source, start, rows);
        return view;
    }

    /// <summary>
    /// One batch's chunks — forward, loss, backward, accuracy — run by one or two <see cref="ChunkRunner"/>s (the
    /// model and its replica), each on its own thread: runner r takes chunks r, r + 2, r + 4, …
    /// </summary>
    private sealed class BatchJob : IParallelWork
    {
        private readonly List<ChunkRunner> _runners = [];
        private readonly Dataset _train;
        private readonly ILoss _loss;
        private readonly int[] _order;
        private readonly bool _fullBatch;
        private readonly int _chunkLimit;
        private long _step;
        private int _start, _rows;

        public BatchJob(Dataset train, ILoss loss, int[] order, bool fullBatch, int chunkLimit, Sequential model)
        {
            (_train, _loss, _order, _fullBatch, _chunkLimit) = (train, loss, order, fullBatch, chunkLimit);
            AddReplica(model);
        }

        /// <summary>The batch's mean loss.</summary>
        public double Loss { get; private set; }

        /// <summary>Correct predictions in the batch (classification).</summary>
        public long Correct { get; private set; }

        /// <summary>The first non-finite chunk loss, if any (the caller stops training).</summary>
        public float? Diverged { get; private set; }

        /// <summary>Adds a model (the trained one first, then its replica) with a runner of its own.</summary>
        public void AddReplica(Sequential model) => _runners.Add(new ChunkRunner(model, _train, _loss, _order, _fullBatch));

        public void Prepare(long step, int start, int rows) => (_step, _start, _rows) = (step, start, rows);

        public void Execute(int threadIndex, int threadCount)
        {
            for (int r = threadIndex; r < _runners.Count; r += threadCount)
            {
                ChunkRunner runner = _runners[r];
                runner.Reset();
                int stride = _chunkLimit * _runners.Count;
                for (int chunkStart = r * _chunkLimit, chunk = r; chunkStart < _rows; chunkStart += stride, chunk += _runners.Count)
                {
                    runner.Run(_step, chunk, _start, chunkStart, Math.Min(_chunkLimit, _rows - chunkStart), _rows);
                }
            }
        }

        /// <summary>Adds up the runners' results in runner order (deterministic); call after the run.</summary>
        public void Collect()
        {
            double loss = 0;
            long correct = 0;
            float? diverged = null;
            foreach (ChunkRunner runner in _runners)
            {
                loss += runner.Loss;
                correct += runner.Correct;
                diverged ??= runner.Diverged;
            }

            (Loss, Correct, Diverged) = (loss, correct, diverged);
        }
    }

    /// <summary>Runs chunks of <paramref name="train"/> (rows in <paramref name="order"/>) through one model — the
    /// trained one or a replica — with buffers of its own.</summary>
    private sealed class ChunkRunner(Sequential model, Dataset train, ILoss loss, int[] order, bool fullBatch)
    {
        private readonly BatchBuffer _features = new();
        private readonly BatchBuffer _targets = new();
        private readonly BatchBuffer _gradient = new();
        private readonly ByteRows _byteRows = new();
        private readonly bool _readBytes = model.AcceptsByteRows;

        // A softmax layer followed by categorical cross-entropy on one-hot targets: the gradient is taken straight at
        // the softmax's input (see CategoricalCrossEntropy.ComputeWithLogitGradient), skipping the softmax's backward.
        private readonly CategoricalCrossEntropy? _fusedLoss =
            loss is CategoricalCrossEntropy categorical && train.Task == TaskKind.Classification && model.Layers[^1] is Softmax ? categorical : null;

        private Tensor? _featureView, _targetView;
        private int[] _predicted = [];

        public double Loss { get; private set; }

        public long Correct { get; private set; }

        public float? Diverged { get; private set; }

        public void Reset() => (Loss, Correct, Diverged) = (0, 0, null);

        /// <summary>Forward, loss, backward (gradients accumulate) and accuracy for rows [chunkStart, chunkStart +
        /// chunkRows) of the batch that starts at <paramref name="start"/> in the order.</summary>
        public void Run(long step, int chunk, int start, int chunkStart, int chunkRows, int rows)
        {
            int width = train.FeatureCount, classes = train.OutputCount;
            ReadOnlySpan<int> chunkOrder = order.AsSpan(start + chunkStart, chunkRows);
            Tensor? x = null;
            if (_readBytes && train.TryGetByteRows(order, start + chunkStart, chunkRows, _byteRows))
            {
                // the first layer reads the compact bytes in place (see Dense.ForwardBytes)
            }
            else if (fullBatch && !train.IsCompact)
            {
                x = chunkRows == train.Count ? train.Features : View(ref _featureView, train.Features, chunkStart, chunkRows);
            }
            else
            {
                x = _features.Get(chunkRows, width);
                train.CopyFeatures(chunkOrder, x.Span);
            }

            Tensor t;
            if (fullBatch)
            {
                t = chunkRows == train.Count ? train.Targets : View(ref _targetView, train.Targets, chunkStart, chunkRows);
            }
            else
            {
                t = _targets.Get(chunkRows, classes);
                train.CopyTargets(chunkOrder, t.Span);
            }

            IReadOnlyList<Layer> layers = model.Layers;
            for (int l = 0; l < layers.Count; l++)
            {
                layers[l].TrainingStep = step * 4096 + chunk;
            }

            Tensor output = x is null ? model.ForwardBytes(_byteRows, training: true) : model.Forward(x, training: true);
            Tensor dOutput = _gradient.Get(chunkRows, classes);
            float chunkLoss = _fusedLoss is not null
                ? _fusedLoss.ComputeWithLogitGradient(output.Span, t.Span, classes, dOutput.Span)
                : loss.Compute(output.Span, t.Span, classes, dOutput.Span);
            if (!float.IsFinite(chunkLoss))
            {
                Diverged ??= chunkLoss;
                return;
            }

            if (chunkRows != rows)
            {
                // The loss gradient is of the chunk's mean; the step needs the batch's mean.
                TensorMath.Scale((float)chunkRows / rows, dOutput.Span);
            }

            model.Backward(dOutput, _fusedLoss is not null ? layers.Count - 1 : layers.Count);
            if (train.Labels is { } labels)
            {
                if (_predicted.Length < chunkRows)
                {
                    _predicted = new int[chunkRows];
                }

                Evaluator.PredictClasses(output.Span, classes, loss.OutputTransform, _predicted.AsSpan(0, chunkRows));
                long correct = 0;
                for (int i = 0; i < chunkRows; i++)
                {
                    int sample = start + chunkStart + i;
                    if (_predicted[i] == labels[fullBatch ? sample : order[sample]])
                    {
                        correct++;
                    }
                }

                Correct += correct;
            }

            Loss += (double)chunkLoss * chunkRows / rows;
        }
    }

    internal static void CheckFits(Sequential model, Dataset data, string what)
    {
        if (data.FeatureCount != model.InputShape.Count)
        {
            throw new ShapeMismatchException($"The model takes {model.InputShape.Count} input values per sample but the {what} data has {data.FeatureCount} ({data.FeatureShape}).");
        }

        if (model.OutputShape.Count != data.OutputCount)
        {
            string needs = data.Task switch
            {
                TaskKind.Classification => $"{data.ClassCount} classes",
                TaskKind.Binary => "2 classes (one output)",
                _ => $"{data.OutputCount} target values",
            };
            throw new ShapeMismatchException($"The model outputs {model.OutputShape.Count} values per sample but the {what} data has {needs}.");
        }
    }
}

/// <summary>Keras-style one-call training: a new <see cref="TrainingSession"/>, run to the end.</summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/>; see <see cref="TrainingSession"/>.</summary>
    public static TrainingHistory Fit(
        Sequential model, ILoss loss, IOptimizer optimizer, Dataset train, TrainingOptions options,
        Dataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new TrainingSession(model, loss, optimizer, options).Run(train, validation, progress, cancellationToken);
}
