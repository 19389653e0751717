using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Schedules;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla train</c>: build an MLP, train it on an MNIST-layout folder, report test accuracy, save the model.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console, CancellationToken cancellationToken)
    {
        var set = new TrainOptionSet();
        var output = new Option<string>("--out") { Description = "Where to save the trained model.", DefaultValueFactory = _ => "model.nabla" };
        var plot = new Option<string?>("--plot") { Description = "Write loss and accuracy curves per epoch to this PNG or SVG file (regression: also predicted against true values on the test part)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results on standard output." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output." };
        var log = new Option<string?>("--log") { Description = "Write the history as CSV (epoch, then sorted metric columns) after every epoch." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Save model, optimizer and training state to this folder after every epoch." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run whose checkpoint is in this folder (its settings are reused; --epochs may extend it)." };
        var epochs = set.Epochs;

        var command = new Command("train", "Train a network on an MNIST-layout folder or a CSV file, evaluate it on the test set, and save it.");
        foreach (Option option in set.All.Concat([output, plot, json, quiet, log, checkpoint, resume]))
        {
            command.Add(option);
        }

        command.SetAction(parse =>
        {
            string? resumeFolder = parse.GetValue(resume);
            Checkpoint.Data? resumed = null;
            if (resumeFolder is not null)
            {
                // Re-parse the original command line saved in the checkpoint; only --epochs, --quiet and --json may change.
                resumed = Checkpoint.Load(resumeFolder);
                string[] original = Checkpoint.Settings(resumed).Split('\n');
                ParseResult saved = command.Parse(original);
                var overrides = new List<string>(original);
                if (parse.GetResult(epochs) is { Implicit: false })
                {
                    int at = overrides.IndexOf("--epochs");
                    if (at >= 0)
                    {
                        overrides.RemoveRange(at, 2);
                    }

                    overrides.AddRange(["--epochs", parse.GetValue(epochs)!]);
                }

                foreach (var (flag, name) in new[] { (quiet, "--quiet"), (json, "--json") })
                {
                    overrides.Remove(name);
                    if (parse.GetValue(flag))
                    {
                        overrides.Add(name);
                    }
                }

                if (saved.Errors.Count > 0)
                {
                    throw new UsageException($"the checkpoint in {resumeFolder} holds settings this nabla cannot read ({string.Join("; ", saved.Errors.Select(e => e.Message))}).");
                }

                // Any other option given with --resume must agree with the checkpoint's: a resumed run is the same run.
                foreach (Option option in command.Options)
                {
                    if (option.Name is "--resume" or "--epochs" or "--quiet" or "--json" || parse.GetResult(option) is not { Implicit: false } given)
                    {
                        continue;
                    }

                    string now = string.Join(" ", given.Tokens.Select(t => t.Value));
                    string before = saved.GetResult(option) is { Implicit: false } old ? string.Join(" ", old.Tokens.Select(t => t.Value)) : "";
                    if (now != before)
                    {
                        throw new UsageException($"{option.Name} cannot change when resuming: the checkpoint in {resumeFolder} was trained with {(before.Length == 0 ? "its default" : $"{option.Name} {before}")}. Only --epochs, --quiet and --json may be given with --resume.");
                    }
                }

                parse = command.Parse(overrides);
            }

            TrainingRecipe recipe = set.CreateRecipe(parse);
            TableSettings table = set.CreateTableSettings(parse);
            var settings = new TrainSettings(
                DataLocator.Resolve(parse.GetValue(set.Data)), table, parse.GetResult(set.TestSplit) is { Implicit: false } ? parse.GetValue(set.TestSplit) : null,
                set.GivenTableOptions(parse), parse.GetValue(output)!, parse.GetValue(plot), parse.GetValue(json), parse.GetValue(quiet), parse.GetValue(log),
                resumeFolder ?? parse.GetValue(checkpoint),
                string.Join('\n', parse.Tokens.Where(t => t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value)))
            {
                ForData = (r, data) => set.ForData(r, parse, data),
                Sequence = set.CreateSequenceOptions(parse),
            };
            return Run(recipe, settings, resumed, console, cancellationToken);
        });
        return command;
    }

    /// <summary>What the train command needs besides the recipe: the data and where the results go.</summary>
    internal sealed record TrainSettings(
        string Data, TableSettings Table, double? TestSplit, IReadOnlyList<string> TableOptionsGiven,
        string Output, string? Plot, bool Json, bool Quiet, string? Log, string? Checkpoint, string CommandLine)
    {
        /// <summary>The recipe with the defaults that depend on the data (see <see cref="TrainOptionSet.ForData"/>).</summary>
        public required Func<TrainingRecipe, LoadedData, TrainingRecipe> ForData { get; init; }

        /// <summary>The forecasting options (--window, --horizon, --season, --date).</summary>
        public SequenceOptions Sequence { get; init; } = new(null, null, null, null);

        /// <summary>--task.</summary>
        public string? Task => Table.Task;

        /// <summary>The first CSV-only option given, or null.</summary>
        public string? TableOptionGiven => TableOptionsGiven.Count > 0 ? TableOptionsGiven[0] : null;
    }

    private static int Run(TrainingRecipe recipe, TrainSettings s, Checkpoint.Data? resumed, CliConsole console, CancellationToken cancellationToken)
    {
        // Validate everything before any work, so bad options fail fast and write nothing.
        try
        {
            recipe.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message, ex);
        }

        SequenceTasks.CheckOptions(s);
        if (!SequenceTasks.IsSequenceTask(s.Task) && DataLocator.IsImageFolder(s.Data) && s.TableOptionGiven is not null)
        {
            throw new UsageException($"{s.TableOptionGiven}: for CSV files only; {DataLocator.Describe(s.Data)} is an MNIST-layout folder (its test set is the t10k files, its task classification).");
        }

        if (recipe.Augment is not null && !DataLocator.IsImageFolder(s.Data))
        {
            throw new UsageException($"--augment: distorts images, but {s.Data} is a CSV file (rows of features); use an MNIST-layout folder of images.");
        }

        if (s.Table.Task is not null && !SequenceTasks.IsSequenceTask(s.Task))
        {
            Tabular.ParseTask(s.Table.Task);
        }

        CheckOutputs(s);
        PreparedData prepared;
        LoadedData? loaded = null;
        if (SequenceTasks.IsSequenceTask(s.Task))
        {
            // A time series or a text file: windows or lines, 10 epochs of 64 unless given (as for image folders).
            recipe = recipe with { Epochs = recipe.Epochs ?? DataPreparation.ImageEpochs, BatchSize = recipe.BatchSize ?? DataPreparation.ImageBatchSize };
            prepared = SequenceTasks.Prepare(s, recipe);
        }
        else
        {
            loaded = DataPreparation.Load(s.Data, s.Table, s.TestSplit ?? 0.2, recipe.Seed);
            recipe = s.ForData(recipe, loaded);
            prepared = DataPreparation.Prepare(loaded, s.Table.Preprocessing, recipe.ValidationSplit, recipe.Seed);
        }

        var (train, validation, test) = (prepared.Train, prepared.Validation, prepared.Test);
        ILoss loss = recipe.CreateLoss(train.Task);
        Sequential model = resumed?.Model ?? recipe.CreateModel(train, loss);
        ModelMetadata metadata = prepared.Metadata with { Loss = loss.Name };
        var callbacks = new List<ITrainingCallback>();
        if (s.Checkpoint is not null)
        {
            callbacks.Add(new CheckpointCallback(s.Checkpoint, metadata, s.CommandLine));
        }

        if (s.Log is not null)
        {
            callbacks.Add(new HistoryCsvCallback(s.Log));
        }

        var session = new TrainingSession(model, loss, recipe.CreateOptimizer(model), recipe.CreateOptions(train.Count, callbacks));
        if (resumed is not null)
        {
            Checkpoint.Restore(session, resumed);
        }

        TextWriter log = s.Json ? console.Error : console.Out;
        if (!s.Quiet)
        {
            foreach (string note in prepared.Notes)
            {
                log.WriteLine(note);
            }

            int batch = session.Options.BatchSize;
            string epochText = recipe.StopsAtConvergence ? $"epochs auto (until the loss converges, at most {recipe.MaxEpochs})" : $"{recipe.EpochLimit} epochs";
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(resumed is null ? "Training" : $"Resuming after epoch {session.CompletedEpochs}:")} {Describe(model)} on {train.Count} samples of {DataLocator.Describe(s.Data)} ({recipe.Optimizer}, lr {recipe.EffectiveLearningRate}, batch {(batch <= 0 || batch >= train.Count ? "full" : batch)}, {epochText}, seed {recipe.Seed})"));
        }

        var watch = Stopwatch.StartNew();
        TrainingHistory history = ProgressDisplay.Train(s.Quiet ? null : log, console, console.Interactive && !s.Json,
            progress => session.Run(train, validation, progress, cancellationToken));
        double trainSeconds = watch.Elapsed.TotalSeconds;

        EvaluationResult result = Evaluator.Evaluate(model, loss, test);
        if (!double.IsFinite(result.Loss))
        {
            throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                $"The test loss is {result.Loss}: the model's outputs are not finite (learning rate {recipe.EffectiveLearningRate})."));
        }

        // The history and the settings go into the model file, for nabla report.
        IReadOnlyList<KeyValuePair<string, string>> settings = [new("data", s.Data), .. SequenceTasks.DescribeTask(s, prepared), .. recipe.Describe(loss),
            .. (loaded is null || loaded.IsImage ? [] : s.Table.Describe())];
        ModelFile.Save(s.Output, model, metadata with { History = history, TrainingSettings = settings });
        if (prepared.Forecast is not null || prepared.Text is not null)
        {
            SequenceTasks.Report(s, prepared, model, metadata, result, history, trainSeconds, console);
            return history.Cancelled ? NablaCli.Interrupted : NablaCli.Success;
        }

        if (s.Plot is not null)
        {
            CurvePlot.Save(s.Plot, history);
        }

        Report(s, recipe, prepared, model, metadata, result, history, trainSeconds, console);
        return history.Cancelled ? NablaCli.Interrupted : NablaCli.Success;
    }

    private static void Report(TrainSettings s, TrainingRecipe recipe, PreparedData prepared, Sequential model, ModelMetadata metadata, EvaluationResult result,
        TrainingHistory history, double trainSeconds, CliConsole console)
    {
        var (train, test) = (prepared.Train, prepared.Test);
        // Regression figures are reported in the target's own units.
        RegressionMetrics? regression = train.Task == TaskKind.Regression ? Reports.Regression(test, result, metadata) : null;
        if (s.Json)
        {
            var report = new JsonObject
            {
                ["train_seconds"] = Math.Round(trainSeconds, 3),
                ["task"] = train.Task.ToString().ToLowerInvariant(),
                ["epochs"] = history.Epochs.Count,
                ["parameters"] = model.ParameterCount,
                ["train_samples"] = train.Count,
                ["test_samples"] = test.Count,
                ["cancelled"] = history.Cancelled,
                ["stopped_early"] = history.StoppedEarly,
                ["best_epoch"] = history.BestEpoch,
                ["epochs_auto"] = recipe.StopsAtConvergence,
                ["converged"] = recipe.StopsAtConvergence ? history.StoppedEarly : null,
                ["batch_size"] = recipe.ResolveBatchSize(train.Count) is int b && b > 0 && b < train.Count ? b : train.Count,
                ["inputs"] = model.InputShape.Count,
                ["imputed_cells"] = prepared.ImputedCells,
                ["dropped_rows"] = prepared.DroppedRows,
                ["unknown_categories"] = prepared.UnknownCategories,
                ["epoch_seconds"] = new JsonArray(history.Epochs.Select(e => (JsonNode)Math.Round(e.Elapsed.TotalSeconds, 3)).ToArray()),
                ["model"] = s.Output,
            };
            if (regression is null)
            {
                report["test_loss"] = Math.Round(result.Loss, 4);
                report["test_accuracy"] = Math.Round(result.Accuracy, 4);
            }
            else
            {
                // the loss trained on is the MSE of the standardized target; the rest is in the target's units
                report["test_standardized_mse"] = Math.Round(result.Loss, 6);
                report["test_mse"] = regression.MeanSquaredError;
                report["test_rmse"] = regression.RootMeanSquaredError;
                report["test_mae"] = regression.MeanAbsoluteError;
                report["test_r2"] = Math.Round(regression.R2, 4);
            }

            console.Out.WriteLine(report.ToJsonString());
            return;
        }

        string figures = regression is null
            ? FormattableString.Invariant($"Test accuracy {result.Accuracy:F4}, test loss {result.Loss:F4}")
            : FormattableString.Invariant($"Test RMSE {regression.RootMeanSquaredError:G6}, MAE {regression.MeanAbsoluteError:G6}, R² {regression.R2:F4}");
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{figures} on {test.Count} samples; trained in {trainSeconds:F1} s{(history.Cancelled ? " (stopped early by Ctrl+C)" : "")}{Stopping(recipe, history)}."));
        console.Out.WriteLine($"Saved the model to {s.Output}{(s.Plot is null ? "" : $" and the curves to {s.Plot}")}.");
    }

    private static string Stopping(TrainingRecipe recipe, TrainingHistory history)
    {
        if (recipe.StopsAtConvergence)
        {
            return history.StoppedEarly
                ? $" ({history.Epochs.Count} epochs: converged, best epoch {history.BestEpoch})"
                : history.Cancelled ? "" : $" (did not converge in {recipe.MaxEpochs} epochs: raise --max-epochs or --lr)";
        }

        return history.StoppedEarly ? $" (early stopping; best epoch {history.BestEpoch})" : "";
    }

    /// <summary>"784-128-10" for a dense network; the input shape and the layer kinds for any other.</summary>
    private static string Describe(Sequential model) =>
        model.Layers.All(l => l is Dense or Nabla.Layers.Activation or Dropout or BatchNorm or Flatten)
            ? string.Join("-", new[] { model.InputShape.Count }.Concat(model.Layers.OfType<Dense>().Select(d => d.Units)))
            : $"[{string.Join(", ", model.InputShape.ToArray())}] → {string.Join(" ", model.Layers.Where(l => l is not Nabla.Layers.Activation).Select(l => l.Kind))}";

    /// <summary>Every file the run will write is checked before any data is read: a folder that exists, a path that is
    /// new or a regular file, a known image format for the plot.</summary>
    private static void CheckOutputs(TrainSettings s)
    {
        CliFiles.CheckWritable(s.Output, "--out");
        if (s.Log is not null)
        {
            CliFiles.CheckWritable(s.Log, "--log");
        }

        if (s.Plot is not null)
        {
            CurvePlot.CheckPath(s.Plot);
        }

        if (s.Checkpoint is not null)
        {
            CliFiles.CheckFolder(s.Checkpoint, "--checkpoint");
            CliFiles.CheckWritable(Path.Combine(s.Checkpoint, Checkpoint.FileName), "--checkpoint");
        }
    }
}
