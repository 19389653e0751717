using System.Text.Json.Nodes;

namespace Nabla.Training;

/// <summary>The per-epoch record of a training run, as Keras's <c>History</c>.</summary>
/// <remarks>Model files keep it (<see cref="ToJson"/>, the <c>training_history</c> metadata key), so <c>nabla
/// report</c> can draw the curves of a model trained long ago.</remarks>
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

    /// <summary>
    /// The history as JSON: <c>{"epochs":[{"epoch":1,"loss":…,"accuracy":…,"val_loss":…,"val_accuracy":…,
    /// "learning_rate":…},…],"best_epoch":…,"stopped_early":…,"cancelled":…}</c>; a metric that was not measured
    /// (accuracy for regression, validation without a validation set) is null. Wall-clock times are left out, so that
    /// the same seed and settings still give a byte-identical model file.
    /// </summary>
    public string ToJson()
    {
        var epochs = new JsonArray();
        foreach (EpochReport e in _epochs)
        {
            epochs.Add((JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["loss"] = Finite(e.TrainLoss),
                ["accuracy"] = Finite(e.TrainAccuracy),
                ["val_loss"] = Finite(e.ValidationLoss),
                ["val_accuracy"] = Finite(e.ValidationAccuracy),
                ["learning_rate"] = Finite(e.LearningRate),
            });
        }

        return new JsonObject
        {
            ["epochs"] = epochs,
            ["best_epoch"] = BestEpoch,
            ["stopped_early"] = StoppedEarly,
            ["cancelled"] = Cancelled,
        }.ToJsonString();
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    /// <exception cref="FormatException">The text is not such a history; the message says what is wrong.</exception>
    public static TrainingHistory FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            JsonObject root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("the history is empty");
            var history = new TrainingHistory
            {
                BestEpoch = (int?)root["best_epoch"],
                StoppedEarly = (bool?)root["stopped_early"] ?? false,
                Cancelled = (bool?)root["cancelled"] ?? false,
            };
            foreach (JsonNode? node in root["epochs"]?.AsArray() ?? throw new FormatException("the history has no epochs list"))
            {
                JsonObject e = node?.AsObject() ?? throw new FormatException("an epoch of the history is null");
                history.Add(new EpochReport(
                    (int?)e["epoch"] ?? throw new FormatException("an epoch of the history has no number"),
                    (double?)e["loss"] ?? double.NaN, (double?)e["accuracy"] ?? double.NaN, (double?)e["val_loss"], (double?)e["val_accuracy"],
                    (double?)e["learning_rate"] ?? double.NaN, TimeSpan.Zero));
            }

            return history;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new FormatException($"not a training history ({ex.Message})", ex);
        }
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
