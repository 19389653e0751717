namespace Nabla.Training;

/// <summary>How <see cref="Trainer.Fit"/> runs.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per gradient step; 0 (or ≥ the dataset size) means full batch, as in the tutorials.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Seed of the per-epoch shuffling.</summary>
    public int Seed { get; init; }

    /// <summary>Whether to reshuffle the samples every epoch (ignored for full batch).</summary>
    public bool Shuffle { get; init; } = true;
}
