namespace Nabla.Training;

/// <summary>
/// Early stopping, as Keras's callback with <c>restore_best_weights=True</c>: after each epoch, a new best value of
/// the monitored metric (better by more than <see cref="MinDelta"/>) is remembered with a copy of the weights; after
/// <see cref="Patience"/> epochs without one, training stops; when training ends, for whatever reason, the best
/// weights are put back. It owns its state, which checkpoints save (<see cref="Checkpoint"/>).
/// </summary>
public sealed class EarlyStopping : ITrainingCallback
{
    private static readonly string[] s_monitors = ["val_loss", "val_accuracy", "loss", "accuracy"];

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">"val_loss" (default), "val_accuracy", "loss" or "accuracy"; the val_ metrics need a validation set.</param>
    /// <param name="patience">Epochs without improvement before stopping.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    public EarlyStopping(string monitor = "val_loss", int patience = 5, double minDelta = 0)
    {
        if (!s_monitors.Contains(monitor))
        {
            throw new ArgumentException($"Early stopping cannot monitor '{monitor}'; use {string.Join(", ", s_monitors)}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        if (!(minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), $"The minimum improvement must be ≥ 0, got {minDelta}.");
        }

        (Monitor, Patience, MinDelta) = (monitor, patience, minDelta);
    }

    /// <summary>The metric watched.</summary>
    public string Monitor { get; }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>Whether larger values of <see cref="Monitor"/> are better.</summary>
    public bool Maximize => Monitor.EndsWith("accuracy", StringComparison.Ordinal);

    /// <summary>The best value seen (NaN before the first epoch).</summary>
    public double Best { get; private set; } = double.NaN;

    /// <summary>Epochs since the best.</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch of the best value.</summary>
    public int? BestEpoch { get; private set; }

    /// <summary>The weights at the best epoch (the model's parameters then buffers, layer by layer), or null.</summary>
    public float[][]? BestWeights { get; private set; }

    /// <summary>Forgets everything (a new run).</summary>
    public void Reset() => (Best, Wait, BestEpoch, BestWeights) = (double.NaN, 0, null, null);

    /// <summary>Restores the state a checkpoint saved.</summary>
    public void Restore(double best, int wait, int? bestEpoch, float[][]? bestWeights) => (Best, Wait, BestEpoch, BestWeights) = (best, wait, bestEpoch, bestWeights);

    /// <summary>The monitored value in <paramref name="report"/> (NaN when absent).</summary>
    public double ValueOf(EpochReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Monitor switch
        {
            "val_loss" => report.ValidationLoss ?? double.NaN,
            "val_accuracy" => report.ValidationAccuracy ?? double.NaN,
            "loss" => report.TrainLoss,
            _ => report.TrainAccuracy,
        };
    }

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingSession session, EpochReport report)
    {
        ArgumentNullException.ThrowIfNull(session);
        IReadOnlyList<Parameters.Parameter> state = session.Model.State;
        double value = ValueOf(report);
        bool improved = double.IsNaN(Best) || (Maximize ? value > Best + MinDelta : value < Best - MinDelta);
        if (improved)
        {
            (Best, Wait, BestEpoch) = (value, 0, report.Epoch);
            BestWeights ??= state.Select(p => new float[p.Value.Length]).ToArray();
            for (int i = 0; i < state.Count; i++)
            {
                state[i].Value.CopyTo(BestWeights[i], 0);
            }
        }
        else if (++Wait >= Patience)
        {
            session.StopTraining(stoppedEarly: true);
        }

        session.History.BestEpoch = BestEpoch;
        if (session.Finished && BestWeights is not null)
        {
            for (int i = 0; i < state.Count; i++)
            {
                BestWeights[i].CopyTo(state[i].Value, 0);
            }
        }
    }
}
