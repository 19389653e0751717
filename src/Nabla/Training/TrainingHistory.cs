namespace Nabla.Training;

/// <summary>The per-epoch record of a training run, as Keras's <c>History</c>.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochReport> _epochs = [];

    /// <summary>One report per completed epoch.</summary>
    public IReadOnlyList<EpochReport> Epochs => _epochs;

    /// <summary>Whether training stopped early because cancellation was requested (Ctrl+C).</summary>
    public bool Cancelled { get; internal set; }

    /// <summary>Whether early stopping ended training before the last epoch.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>With early stopping, the epoch whose weights were restored.</summary>
    public int? BestEpoch { get; internal set; }

    /// <summary>Wall-clock time of the whole run (this process's part of it, after a resume).</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>Adds an epoch (also used when a checkpoint restores a history).</summary>
    public void Add(EpochReport report) => _epochs.Add(report);
}
