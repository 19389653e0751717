namespace Nabla.Training;

/// <summary>What one epoch achieved. Loss and accuracy on the training set are running means over its batches;
/// <see cref="LearningRate"/> is the rate used by its last batch.</summary>
public sealed record EpochReport(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    TimeSpan Elapsed)
{
    /// <summary>The metrics by name ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"), sorted; the
    /// accuracies only for classification.</summary>
    public SortedDictionary<string, double> Metrics()
    {
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["learning_rate"] = LearningRate,
            ["loss"] = TrainLoss,
        };
        if (!double.IsNaN(TrainAccuracy))
        {
            metrics["accuracy"] = TrainAccuracy;
        }

        if (ValidationLoss is { } vl)
        {
            metrics["val_loss"] = vl;
        }

        if (ValidationAccuracy is { } va && !double.IsNaN(va))
        {
            metrics["val_accuracy"] = va;
        }

        return metrics;
    }
}

/// <summary>Progress within training, for a progress bar: after each batch, and after each epoch with its report.</summary>
public readonly record struct TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double RunningLoss,
    double RunningAccuracy,
    EpochReport? CompletedEpoch);
