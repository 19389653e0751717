using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>
/// One training run and all of its state — the model, the optimizer and its moments, the schedule, the callbacks
/// (early stopping's best weights), the history and how many epochs are done — so a checkpoint can save it and a
/// resumed run can continue bit for bit.
/// </summary>
/// <remarks>
/// The loop, as the tutorials write it: each epoch, shuffle the sample indices (a generator seeded from seed and
/// epoch); each batch, set the learning rate from the schedule → the batch's gradient (<see cref="DataParallelStep"/>:
/// zero, forward, loss, backward) → L2 and clipping (<see cref="GradientTransforms"/>) → optimizer step; after the
/// epoch, the divergence check, validation, and the callbacks. No console output: progress goes to an
/// <see cref="IProgress{T}"/>, and cancellation (Ctrl+C in the CLI) stops after the current batch with the weights
/// intact.
/// </remarks>
public sealed class TrainingSession
{
    // The first training samples, run through the model after every epoch to catch a step that diverged.
    private const int DivergenceProbeRows = 32;
    private readonly int[] _probeRows = Enumerable.Range(0, DivergenceProbeRows).ToArray();
    private Tensor? _probe;

    /// <summary>Creates a session that has not trained yet.</summary>
    /// <exception cref="InvalidOperationException">The model was never initialized (call <see cref="Sequential.Initialize"/>).</exception>
    public TrainingSession(Sequential model, ILoss loss, IOptimizer optimizer, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        if (!model.IsInitialized)
        {
            throw new InvalidOperationException("The model's weights were never initialized: call model.Initialize(seed) (or model.Compile) before training.");
        }

        (Model, Loss, Optimizer, Options) = (model, loss, optimizer, options);
        InitialLearningRate = optimizer.LearningRate;
        options.EarlyStopping?.Reset();
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

    /// <summary>Whether the run has ended (all epochs, early stopping or cancellation); during the last epoch's
    /// callbacks it is already true.</summary>
    public bool Finished { get; private set; }

    /// <summary>Ends the run after the current epoch (a callback's request).</summary>
    public void StopTraining(bool stoppedEarly = false)
    {
        History.StoppedEarly |= stoppedEarly && CompletedEpochs < Options.Epochs;
        Finished = true;
    }

    /// <summary>Restores the progress a checkpoint saved (the model, optimizer and callback state are restored by the caller).</summary>
    public void Restore(int completedEpochs, IEnumerable<EpochReport> history, double[] scheduleState)
    {
        ArgumentNullException.ThrowIfNull(history);
        CompletedEpochs = completedEpochs;
        History = new TrainingHistory { BestEpoch = Options.EarlyStopping?.BestEpoch };
        foreach (EpochReport report in history)
        {
            History.Add(report);
        }

        Options.Schedule?.LoadState(scheduleState);
    }

    /// <summary>Trains from the epoch after <see cref="CompletedEpochs"/> to <see cref="TrainingOptions.Epochs"/>.</summary>
    /// <exception cref="TrainingDivergedException">The loss, the weights or the outputs became NaN or infinite.</exception>
    /// <exception cref="ShapeMismatchException">The data does not fit the model.</exception>
    public TrainingHistory Run(Dataset train, Dataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Model.CheckCompatible(train, "training");
        if (validation is not null)
        {
            Model.CheckCompatible(validation, "validation");
        }

        if (Options.EarlyStopping is { } stopping && stopping.Monitor.StartsWith("val_", StringComparison.Ordinal) && validation is null)
        {
            throw new ArgumentException($"Early stopping on {stopping.Monitor} needs a validation set (e.g. --val-split 0.1), or monitor loss/accuracy.");
        }

        Model.OutputTransform = Loss.OutputTransform;
        int count = train.Count;
        int batchSize = Options.BatchSize <= 0 || Options.BatchSize >= count ? count : Options.BatchSize;
        bool fullBatch = batchSize == count, classification = train.Labels is not null;
        int batchesPerEpoch = (count + batchSize - 1) / batchSize;
        long totalSteps = (long)batchesPerEpoch * Options.Epochs;
        int[] order = new int[count];
        var gradient = new DataParallelStep(Model, LossHead.Create(Model, Loss, train.Task), train, order, batchSize, fullBatch, Options.Augmentation, Options.Seed);
        IReadOnlyList<Parameters.Parameter> parameters = Model.Parameters;
        ITrainingCallback[] callbacks = [.. Options.EarlyStopping is { } early ? [early] : Array.Empty<ITrainingCallback>(), .. Options.Callbacks];
        var total = Stopwatch.StartNew();
        float learningRate = Optimizer.LearningRate;
        Finished = CompletedEpochs >= Options.Epochs;

        for (int epoch = CompletedEpochs + 1; epoch <= Options.Epochs && !Finished; epoch++)
        {
            var watch = Stopwatch.StartNew();
            foreach (ITrainingCallback callback in callbacks)
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
                var (batchLoss, batchCorrect, diverged) = gradient.Run(step, start, rows);
                if (diverged is { } bad)
                {
                    throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                        $"The loss became {bad} at epoch {epoch}, batch {batch + 1} of {batchesPerEpoch}. " +
                        $"Usual causes: a learning rate too high (now {Optimizer.LearningRate}), or inputs that are not scaled (e.g. pixels 0..255 instead of 0..1)."));
                }

                batchLoss += GradientTransforms.Apply(parameters, Options, rows, Loss.PenaltyScale);
                Optimizer.Step();
                (lossSum, correct, seen) = (lossSum + batchLoss * rows, correct + batchCorrect, seen + rows);
                foreach (ITrainingCallback callback in callbacks)
                {
                    callback.OnBatchEnd(this, epoch, batch + 1, batchLoss);
                }

                progress?.Report(new TrainingProgress(epoch, Options.Epochs, batch + 1, batchesPerEpoch, lossSum / seen, classification ? (double)correct / seen : double.NaN, null));
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

            EvaluationResult? validated = validation is null ? null : Evaluator.Evaluate(Model, Loss, validation);
            var report = new EpochReport(epoch, lossSum / seen, classification ? (double)correct / seen : double.NaN, validated?.Loss, validated?.Accuracy, learningRate, watch.Elapsed);
            History.Add(report);
            CompletedEpochs = epoch;
            Options.Schedule?.EpochEnded(validated?.Loss ?? report.TrainLoss);
            if (cancellationToken.IsCancellationRequested)
            {
                History.Cancelled = epoch < Options.Epochs;
                Finished = true;
            }

            Finished |= epoch == Options.Epochs;
            foreach (ITrainingCallback callback in callbacks)
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
            Tensor output = Model.Forward(_probe, ForwardContext.Inference);
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
