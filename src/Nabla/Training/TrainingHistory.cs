namespace Nabla.Training;

/// <summary>The per-epoch record of a training run, as Keras's <c>History</c>.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochReport> _epochs = [];

    /// <summary>One report per completed epoch.</summary>
    public IReadOnlyList<EpochReport> Epochs => _epochs;

    /// <summary>Whether training stopped early because cancellation was requested (Ctrl+C).</summary>
    public bool Cancelled { get; internal set; }

    /// <summary>Wall-clock time of the whole run.</summary>
    public TimeSpan Elapsed { get; internal set; }

    internal void Add(EpochReport report) => _epochs.Add(report);
}
