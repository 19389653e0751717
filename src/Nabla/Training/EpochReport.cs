namespace Nabla.Training;

/// <summary>What one epoch achieved. Loss and accuracy on the training set are running means over its batches.</summary>
public sealed record EpochReport(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    TimeSpan Elapsed);

/// <summary>Progress within training, for a progress bar: after each batch, and after each epoch with its report.</summary>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double RunningLoss,
    double RunningAccuracy,
    EpochReport? CompletedEpoch);
