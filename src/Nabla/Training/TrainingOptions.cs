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

    /// <summary>Random distortions of the training images (null: none); drawn from <see cref="Seed"/>, the step and the
    /// sample, so runs and resumed runs are reproducible.</summary>
    public Data.ImageAugmentation? Augmentation { get; init; }

    /// <summary>Whether to reshuffle the samples every epoch (ignored for full batch).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>scikit-learn's L2 penalty α on weights (not biases): loss += α/(2·batch)·Σ‖W‖², dW += α·W/batch,
    /// doubled for mean squared error so that α is scikit-learn's alpha for every loss
    /// (<see cref="GradientTransforms.ApplyL2"/>).</summary>
    public float L2 { get; init; }

    /// <summary>When set, gradients are rescaled so their global L2 norm is at most this.</summary>
    public float? ClipNorm { get; init; }

    /// <summary>When set, every gradient value is clamped to [−ClipValue, ClipValue].</summary>
    public float? ClipValue { get; init; }

    /// <summary>How the learning rate changes; null keeps the optimizer's rate.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Stop when the monitored metric stops improving, and restore the best weights at the end (a callback
    /// that runs before <see cref="Callbacks"/>).</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Hooks called at epoch and batch boundaries (logging, checkpoints).</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];
}
