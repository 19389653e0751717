using Nabla.Schedules;

namespace Nabla.Training;

/// <summary>How a <see cref="TrainingSession"/> runs.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (in all, counting epochs done before a resume).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per gradient step; 0 (or ≥ the dataset size) means full batch, as in the tutorials.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Seed of the per-epoch shuffling (and nothing else: the model's seed initializes it).</summary>
    public int Seed { get; init; }

    /// <summary>Whether to reshuffle the samples every epoch (ignored for full batch).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>scikit-learn's L2 penalty α on weights (not biases): loss += α/(2·batch)·Σ‖W‖², dW += α·W/batch.</summary>
    public float L2 { get; init; }

    /// <summary>When set, gradients are rescaled so their global L2 norm is at most this.</summary>
    public float? ClipNorm { get; init; }

    /// <summary>When set, every gradient value is clamped to [−ClipValue, ClipValue].</summary>
    public float? ClipValue { get; init; }

    /// <summary>How the learning rate changes; null keeps the optimizer's rate.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Stop when the monitored metric stops improving, and restore the best weights at the end.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Hooks called at epoch and batch boundaries (logging, checkpoints).</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];
}

/// <summary>Early stopping, as Keras's callback with <c>restore_best_weights=True</c>.</summary>
/// <param name="Monitor">"val_loss" (default), "val_accuracy", "loss" or "accuracy"; the val_ metrics need a validation set.</param>
/// <param name="Patience">Epochs without improvement before stopping.</param>
/// <param name="MinDelta">Smallest change that counts as an improvement.</param>
public sealed record EarlyStopping(string Monitor = "val_loss", int Patience = 5, double MinDelta = 0)
{
    /// <summary>Whether larger values of <see cref="Monitor"/> are better.</summary>
    public bool Maximize => Monitor.EndsWith("accuracy", StringComparison.Ordinal);
}

/// <summary>Hooks into training. Every method has an empty default.</summary>
public interface ITrainingCallback
{
    /// <summary>Before the first batch of <paramref name="epoch"/> (1-based).</summary>
    void OnEpochBegin(TrainingSession session, int epoch)
    {
    }

    /// <summary>After the optimizer step of batch <paramref name="batch"/> (1-based) with its mean loss.</summary>
    void OnBatchEnd(TrainingSession session, int epoch, int batch, double loss)
    {
    }

    /// <summary>After an epoch is complete and recorded in the history.</summary>
    void OnEpochEnd(TrainingSession session, EpochReport report)
    {
    }
}
