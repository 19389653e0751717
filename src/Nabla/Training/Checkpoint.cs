using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Training;

/// <summary>
/// Saves and restores everything a training run needs to continue: the model (parameters and buffers), the
/// optimizer's state arrays and step count, the schedule's state, early stopping's best value and best weights, the
/// history, and how many epochs are done. The shuffling and dropout generators need no saved state: they are derived
/// from the seed and the epoch or step.
/// </summary>
/// <remarks>
/// One file, <c>checkpoint.nabla</c>, in the model file's layout (the model part loads with <see cref="ModelFile.Load"/>),
/// written to a temporary file and renamed over the previous checkpoint, so a kill -9 at any moment leaves the
/// previous checkpoint intact.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The checkpoint's file name inside its folder.</summary>
    public const string FileName = "checkpoint.nabla";

    /// <summary>What <see cref="Load"/> read.</summary>
    public sealed record Data(Sequential Model, ModelMetadata Metadata, IReadOnlyDictionary<string, string> Extra, JsonObject State, IReadOnlyDictionary<string, float[]> Tensors);

    /// <summary>Writes the session's state into <paramref name="folder"/>, with <paramref name="settings"/> (free text the
    /// caller needs to rebuild the session, such as its command line).</summary>
    public static void Save(string folder, TrainingSession session, ModelMetadata metadata, string settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        Directory.CreateDirectory(folder);
        var tensors = new List<(string, float[])>();
        IReadOnlyList<float[]> optimizerState = session.Optimizer.State;
        for (int i = 0; i < optimizerState.Count; i++)
        {
            tensors.Add(($"optimizer.{i}", optimizerState[i]));
        }

        EarlyStopping? stopping = session.Options.EarlyStopping;
        var (best, wait, bestState) = (stopping?.Best ?? double.NaN, stopping?.Wait ?? 0, stopping?.BestWeights);
        for (int i = 0; bestState is not null && i < bestState.Length; i++)
        {
            tensors.Add(($"best.{i}", bestState[i]));
        }

        var history = new JsonArray();
        foreach (EpochReport e in session.History.Epochs)
        {
            history.Add((JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["loss"] = e.TrainLoss,
                ["accuracy"] = double.IsNaN(e.TrainAccuracy) ? null : e.TrainAccuracy,
                ["val_loss"] = e.ValidationLoss,
                ["val_accuracy"] = e.ValidationAccuracy,
                ["learning_rate"] = e.LearningRate,
                ["seconds"] = e.Elapsed.TotalSeconds,
            });
        }

        var state = new JsonObject
        {
            ["completed_epochs"] = session.CompletedEpochs,
            ["optimizer_steps"] = session.Optimizer.StepCount,
            ["optimizer_state_arrays"] = optimizerState.Count,
            ["initial_learning_rate"] = session.InitialLearningRate,
            ["schedule_state"] = new JsonArray((session.Options.Schedule?.SaveState() ?? []).Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            ["early_stopping_best"] = double.IsNaN(best) ? null : best,
            ["early_stopping_wait"] = wait,
            ["early_stopping_arrays"] = bestState?.Length ?? 0,
            ["early_stopping_epoch"] = stopping?.BestEpoch,
            ["history"] = history,
        };

        var extra = new Dictionary<string, string> { ["checkpoint_state"] = state.ToJsonString(), ["checkpoint_settings"] = settings };
        ModelFile.Save(Path.Combine(folder, FileName), session.Model, metadata, extra, tensors);
    }

    /// <summary>Reads the checkpoint in <paramref name="folder"/>.</summary>
    /// <exception cref="ModelFormatException">Missing, corrupt, or not a checkpoint.</exception>
    public static Data Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{path}: no checkpoint here (train with --checkpoint {folder} first).");
        }

        var (model, metadata, extra, tensors) = ModelFile.LoadWithExtras(path);
        if (!extra.TryGetValue("checkpoint_state", out string? stateText))
        {
            throw new ModelFormatException($"{path}: a model file, not a checkpoint (no training state).");
        }

        return new Data(model, metadata, extra, JsonNode.Parse(stateText)!.AsObject(), tensors);
    }

    /// <summary>The settings string saved with the checkpoint.</summary>
    public static string Settings(Data data) => data?.Extra.GetValueOrDefault("checkpoint_settings") ?? "";

    /// <summary>Puts the saved state into <paramref name="session"/>, which must have been built on <see cref="Data.Model"/>
    /// with the same kind of optimizer and schedule.</summary>
    public static void Restore(TrainingSession session, Data data)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(data);
        JsonObject state = data.State;
        IReadOnlyList<float[]> optimizerState = session.Optimizer.State;
        if ((int)state["optimizer_state_arrays"]! != optimizerState.Count)
        {
            throw new ModelFormatException($"The checkpoint holds {(int)state["optimizer_state_arrays"]!} optimizer arrays but this optimizer has {optimizerState.Count}: it was made with another optimizer.");
        }

        for (int i = 0; i < optimizerState.Count; i++)
        {
            float[] saved = data.Tensors[$"optimizer.{i}"];
            if (saved.Length != optimizerState[i].Length)
            {
                throw new ModelFormatException($"The checkpoint's optimizer array {i} has {saved.Length} values, the optimizer needs {optimizerState[i].Length}.");
            }

            saved.CopyTo(optimizerState[i], 0);
        }

        session.Optimizer.StepCount = (long)state["optimizer_steps"]!;
        session.InitialLearningRate = (float)state["initial_learning_rate"]!;
        int bestArrays = (int)state["early_stopping_arrays"]!;
        float[][]? bestState = bestArrays == 0 ? null : Enumerable.Range(0, bestArrays).Select(i => data.Tensors[$"best.{i}"]).ToArray();
        var history = state["history"]!.AsArray().Select(e => new EpochReport(
            (int)e!["epoch"]!, (double)e["loss"]!, (double?)e["accuracy"] ?? double.NaN, (double?)e["val_loss"], (double?)e["val_accuracy"],
            (double)e["learning_rate"]!, TimeSpan.FromSeconds((double)e["seconds"]!)));
        double best = (double?)state["early_stopping_best"] ?? double.NaN;
        int wait = (int)state["early_stopping_wait"]!;
        EpochReport[] epochs = [.. history];
        int? bestEpoch = state["early_stopping_epoch"] is { } e ? (int)e : bestState is null ? null
            : epochs.FirstOrDefault(r => session.Options.EarlyStopping?.ValueOf(r) == best)?.Epoch;
        session.Options.EarlyStopping?.Restore(best, wait, bestEpoch, bestState);
        session.Restore((int)state["completed_epochs"]!, epochs, state["schedule_state"]!.AsArray().Select(v => (double)v!).ToArray());
    }
}

/// <summary>Saves a checkpoint after every epoch (a callback for <see cref="TrainingOptions.Callbacks"/>).</summary>
public sealed class CheckpointCallback(string folder, ModelMetadata metadata, string settings) : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnEpochEnd(TrainingSession session, EpochReport report) => Checkpoint.Save(folder, session, metadata, settings);
}

/// <summary>Writes the history as CSV after every epoch (epoch, then the metric columns sorted by name), atomically.</summary>
public sealed class HistoryCsvCallback(string path) : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnEpochEnd(TrainingSession session, EpochReport report)
    {
        ArgumentNullException.ThrowIfNull(session);
        Write(path, session.History);
    }

    /// <summary>Writes <paramref name="history"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, TrainingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var columns = new SortedSet<string>(StringComparer.Ordinal);
        foreach (EpochReport e in history.Epochs)
        {
            columns.UnionWith(e.Metrics().Keys);
        }

        var lines = new List<string> { string.Join(",", new[] { "epoch" }.Concat(columns)) };
        foreach (EpochReport e in history.Epochs)
        {
            var metrics = e.Metrics();
            lines.Add(string.Join(",", new[] { e.Epoch.ToString(CultureInfo.InvariantCulture) }
                .Concat(columns.Select(c => metrics.TryGetValue(c, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : ""))));
        }

        IO.AtomicFile.WriteAllText(path, string.Join("\n", lines) + "\n");
    }
}
