using System.Diagnostics;
using System.Globalization;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>A model trained on the training part, evaluated on the test part and saved: what <c>nabla train</c> and
/// <c>nabla search</c>'s refit report.</summary>
/// <param name="Prepared">The preprocessed parts and the model file's metadata.</param>
/// <param name="Recipe">The recipe trained.</param>
/// <param name="Model">The trained model.</param>
/// <param name="Metadata">The metadata saved with it (history and settings included).</param>
/// <param name="Result">The evaluation on the test part.</param>
/// <param name="History">The epochs trained.</param>
/// <param name="TrainSeconds">The training time.</param>
internal sealed record TrainedModel(PreparedData Prepared, TrainingRecipe Recipe, Sequential Model, ModelMetadata Metadata, EvaluationResult Result,
    TrainingHistory History, double TrainSeconds);

/// <summary>
/// One training run as <c>nabla train</c> makes it from prepared data and a recipe: a fresh model, loss and optimizer,
/// the notes and the progress display, the evaluation on the test part, and the model file (with its history and the
/// settings in train's option names) written atomically. <c>nabla search</c> refits its best candidate through the
/// same code, so the <c>nabla train</c> command it prints gives the same model.
/// </summary>
internal static class ModelTraining
{
    /// <summary>Trains on <paramref name="prepared"/> (from <paramref name="source"/>), evaluates and saves to
    /// <paramref name="output"/> with the training settings <paramref name="settings"/> gives for the resolved loss.
    /// <paramref name="log"/> gets the notes and the header line (null: quiet); <paramref name="progress"/> the epochs
    /// (null: none); <paramref name="callbacks"/> makes the callbacks from the metadata (checkpoints need it);
    /// <paramref name="resumed"/> continues a checkpoint.</summary>
    /// <exception cref="TrainingDivergedException">The loss, or the test loss, is not finite (nothing is written).</exception>
    public static TrainedModel Run(PreparedData prepared, TrainingRecipe recipe, string source, string output, Func<ILoss, IReadOnlyList<KeyValuePair<string, string>>> settings,
        TextWriter? log, TextWriter? progress, CliConsole console, bool live, CancellationToken cancellationToken, IReadOnlyCollection<string>? notesSaid = null,
        Func<ModelMetadata, IReadOnlyList<ITrainingCallback>>? callbacks = null, Checkpoint.Data? resumed = null)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(console);
        var (train, validation, test) = (prepared.Train, prepared.Validation, prepared.Test);
        ILoss loss = recipe.CreateLoss(train.Task);
        Sequential model = resumed?.Model ?? recipe.CreateModel(train, loss);
        ModelMetadata metadata = prepared.Metadata with { Loss = loss.Name };
        var session = new TrainingSession(model, loss, recipe.CreateOptimizer(model), recipe.CreateOptions(train.Count, callbacks?.Invoke(metadata)));
        if (resumed is not null)
        {
            Checkpoint.Restore(session, resumed);
        }

        if (log is not null)
        {
            foreach (string note in prepared.Notes.Where(n => notesSaid is null || !notesSaid.Contains(n)))
            {
                log.WriteLine(note);
            }

            int batch = session.Options.BatchSize;
            string epochText = recipe.StopsAtConvergence ? $"epochs auto (until the loss converges, at most {recipe.MaxEpochs})" : $"{recipe.EpochLimit} epochs";
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(resumed is null ? "Training" : $"Resuming after epoch {session.CompletedEpochs}:")} {Describe(model)} on {train.Count} samples of {DataLocator.Describe(source)} ({recipe.Optimizer}, lr {recipe.EffectiveLearningRate}, batch {(batch <= 0 || batch >= train.Count ? "full" : batch)}, {epochText}, seed {recipe.Seed})"));
        }

        var watch = Stopwatch.StartNew();
        TrainingHistory history = ProgressDisplay.Train(progress, console, live, p => session.Run(train, validation, p, cancellationToken));
        double trainSeconds = watch.Elapsed.TotalSeconds;

        EvaluationResult result = Evaluator.Evaluate(model, loss, test);
        if (!double.IsFinite(result.Loss))
        {
            throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                $"The test loss is {result.Loss}: the model's outputs are not finite (learning rate {recipe.EffectiveLearningRate})."));
        }

        // The history and the settings go into the model file, for nabla report.
        metadata = metadata with { History = history, TrainingSettings = settings(loss) };
        ModelFile.Save(output, model, metadata);
        return new TrainedModel(prepared, recipe, model, metadata, result, history, trainSeconds);
    }

    /// <summary>"784-128-10" for a dense network; the input shape and the layer kinds for any other.</summary>
    public static string Describe(Sequential model) =>
        model.Layers.All(l => l is Dense or Activation or Dropout or BatchNorm or Flatten)
            ? string.Join("-", new[] { model.InputShape.Count }.Concat(model.Layers.OfType<Dense>().Select(d => d.Units)))
            : $"[{string.Join(", ", model.InputShape.ToArray())}] → {string.Join(" ", model.Layers.Where(l => l is not Activation).Select(l => l.Kind))}";
}
