namespace Nabla.Training;

/// <summary>Hooks into training, as Keras's callbacks. Every method has an empty default. A callback keeps its own
/// state (early stopping its best weights); <see cref="TrainingSession.StopTraining"/> ends the run after the epoch.</summary>
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

    /// <summary>After an epoch is complete and recorded in the history; <see cref="TrainingSession.Finished"/> says
    /// whether it is the last.</summary>
    void OnEpochEnd(TrainingSession session, EpochReport report)
    {
    }
}
