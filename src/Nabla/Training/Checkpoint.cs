using System.Globalization;
using System.Text.Json;
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
    public sealed record Data(Sequential Model, ModelMetadata Metadata, IReadOnlyDictionary<string, string> Extra, JsonObject State, IReadOnlyDictionary<string, float[]> Tensors)
    {
        /// <summary>The checkpoint file (for error messages).</summary>
        public string Path { get; init; } = FileName;
    }

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
    /// <remarks>The training state is checked here (types, counts, ranges), so a damaged checkpoint fails before a
    /// session is built; <see cref="Restore"/> then checks it against the session.</remarks>
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

        // Checked as the model header is (valid JSON, no duplicate keys, readable strings), then read as nodes.
        ModelFile.ParseJson(System.Text.Encoding.UTF8.GetBytes(stateText), path, "the training state").Dispose();
        JsonObject state = JsonNode.Parse(stateText) as JsonObject ?? throw new ModelFormatException($"{path}: the training state is not a JSON object.");

        var data = new Data(model, metadata, extra, state, tensors) { Path = path };
        SavedState.Read(data);
        return data;
    }

    /// <summary>The settings string saved with the checkpoint.</summary>
    public static string Settings(Data data) => data?.Extra.GetValueOrDefault("checkpoint_settings") ?? "";

    /// <summary>Puts the saved state into <paramref name="session"/>, which must have been built on <see cref="Data.Model"/>
    /// with the same kind of optimizer and schedule.</summary>
    /// <exception cref="ModelFormatException">The state is damaged or does not fit the session (another optimizer,
    /// schedule or model); nothing is changed then.</exception>
    public static void Restore(TrainingSession session, Data data)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(data);
        SavedState state = SavedState.Read(data);
        string path = data.Path;
        IReadOnlyList<float[]> optimizerState = session.Optimizer.State;
        if (state.OptimizerArrays != optimizerState.Count)
        {
            throw new ModelFormatException($"{path}: the checkpoint holds {state.OptimizerArrays} optimizer arrays but this optimizer has {optimizerState.Count}: it was made with another optimizer.");
        }

        var saved = new float[optimizerState.Count][];
        for (int i = 0; i < optimizerState.Count; i++)
        {
            saved[i] = data.Tensors.GetValueOrDefault($"optimizer.{i}") ?? throw new ModelFormatException($"{path}: the checkpoint has no optimizer array {i}.");
            if (saved[i].Length != optimizerState[i].Length)
            {
                throw new ModelFormatException($"{path}: the checkpoint's optimizer array {i} has {saved[i].Length} values, the optimizer needs {optimizerState[i].Length}.");
            }
        }

        int scheduleLength = session.Options.Schedule?.SaveState().Length ?? 0;
        if (state.Schedule.Length != scheduleLength)
        {
            throw new ModelFormatException($"{path}: the checkpoint holds {state.Schedule.Length} schedule values but this schedule keeps {scheduleLength}: it was made with another schedule.");
        }

        float[][]? bestState = null;
        if (state.BestArrays > 0)
        {
            int[] lengths = [.. session.Model.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).Select(p => p.Value.Length)];
            if (state.BestArrays != lengths.Length)
            {
                throw new ModelFormatException($"{path}: the checkpoint holds {state.BestArrays} best-weight arrays but the model has {lengths.Length} tensors.");
            }

            bestState = new float[lengths.Length][];
            for (int i = 0; i < lengths.Length; i++)
            {
                bestState[i] = data.Tensors.GetValueOrDefault($"best.{i}") ?? throw new ModelFormatException($"{path}: the checkpoint has no best-weight array {i}.");
                if (bestState[i].Length != lengths[i])
                {
                    throw new ModelFormatException($"{path}: the checkpoint's best-weight array {i} has {bestState[i].Length} values, the model's tensor needs {lengths[i]}.");
                }
            }
        }

        for (int i = 0; i < optimizerState.Count; i++)
        {
            saved[i].CopyTo(optimizerState[i], 0);
        }

        session.Optimizer.StepCount = state.OptimizerSteps;
        session.InitialLearningRate = state.InitialLearningRate;
        int? bestEpoch = state.BestEpoch ?? (bestState is null ? null
            : state.History.FirstOrDefault(r => session.Options.EarlyStopping?.ValueOf(r) == state.Best)?.Epoch);
        session.Options.EarlyStopping?.Restore(state.Best, state.Wait, bestEpoch, bestState);
        session.Restore(state.CompletedEpochs, state.History, state.Schedule);
    }

    /// <summary>The epochs trained so far, as the checkpoint's training state records them (for <c>nabla report</c> on a
    /// run that is still going or was stopped).</summary>
    /// <exception cref="ModelFormatException">The training state is damaged.</exception>
    public static TrainingHistory History(Data data)
    {
        ArgumentNullException.ThrowIfNull(data);
        SavedState state = SavedState.Read(data);
        var history = new TrainingHistory { BestEpoch = state.BestEpoch };
        foreach (EpochReport report in state.History)
        {
            history.Add(report);
        }

        return history;
    }

    /// <summary>The training state as <see cref="Save"/> wrote it, read with every type and range checked.</summary>
    private sealed record SavedState(int CompletedEpochs, long OptimizerSteps, int OptimizerArrays, float InitialLearningRate,
        double[] Schedule, double Best, int Wait, int BestArrays, int? BestEpoch, List<EpochReport> History)
    {
        public static SavedState Read(Data data)
        {
            JsonObject state = data.State ?? throw new ModelFormatException($"{data.Path}: the checkpoint has no training state.");
            string where = $"{data.Path}: training state";
            JsonArray history = Field(state, "history", where) as JsonArray ?? throw Bad(where, "history", "a list");
            JsonArray schedule = Field(state, "schedule_state", where) as JsonArray ?? throw Bad(where, "schedule_state", "a list");
            var reports = new List<EpochReport>(history.Count);
            foreach (JsonNode? node in history)
            {
                string at = $"{where}, history entry {reports.Count + 1}";
                JsonObject e = node as JsonObject ?? throw new ModelFormatException($"{at} is not a JSON object.");
                double seconds = Number(e, "seconds", at);
                if (!(seconds >= 0 && seconds < 1e9))
                {
                    throw Bad(at, "seconds", "a duration in seconds");
                }

                reports.Add(new EpochReport(Count(e, "epoch", at), Number(e, "loss", at), NumberOrNull(e, "accuracy", at) ?? double.NaN,
                    NumberOrNull(e, "val_loss", at), NumberOrNull(e, "val_accuracy", at), Number(e, "learning_rate", at), TimeSpan.FromSeconds(seconds)));
            }

            double rate = Number(state, "initial_learning_rate", where);
            if (!(rate >= 0 && float.IsFinite((float)rate)))
            {
                throw Bad(where, "initial_learning_rate", "a learning rate ≥ 0");
            }

            long steps = Field(state, "optimizer_steps", where) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long s) && s >= 0
                ? s : throw Bad(where, "optimizer_steps", "a whole number ≥ 0");
            return new SavedState(Count(state, "completed_epochs", where), steps, Count(state, "optimizer_state_arrays", where), (float)rate,
                [.. schedule.Select((n, i) => AsNumber(n) ?? throw Bad(where, $"schedule_state[{i}]", "a number"))],
                NumberOrNull(state, "early_stopping_best", where) ?? double.NaN, Count(state, "early_stopping_wait", where),
                Count(state, "early_stopping_arrays", where),
                state.TryGetPropertyValue("early_stopping_epoch", out JsonNode? epoch) && epoch is not null ? Count(state, "early_stopping_epoch", where) : null, reports);
        }

        private static JsonNode? Field(JsonObject o, string key, string where) =>
            o.TryGetPropertyValue(key, out JsonNode? node) ? node : throw new ModelFormatException($"{where} has no {key}.");

        private static double? AsNumber(JsonNode? node) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d) && double.IsFinite(d) ? d : null;

        private static double Number(JsonObject o, string key, string where) => AsNumber(Field(o, key, where)) ?? throw Bad(where, key, "a number");

        private static double? NumberOrNull(JsonObject o, string key, string where)
        {
            JsonNode? node = Field(o, key, where);
            return node is null ? null : AsNumber(node) ?? throw Bad(where, key, "a number or null");
        }

        private static int Count(JsonObject o, string key, string where) =>
            Field(o, key, where) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int n) && n >= 0
                ? n : throw Bad(where, key, "a whole number ≥ 0");

        private static ModelFormatException Bad(string where, string key, string what) => new($"{where}: {key} is not {what}.");
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
