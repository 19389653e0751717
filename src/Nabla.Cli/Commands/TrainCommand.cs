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
        var data = new Option<string?>("--data") { Description = "A folder with the four MNIST-layout IDX files (default: the built-in data/mnist-10k), or a CSV file." };
        var target = new Option<string?>("--target") { Description = "CSV: the target column, by name or 0-based index (default: a column named label, target or class, else the last)." };
        var drop = new Option<string[]>("--drop") { Description = "CSV: columns to ignore (id-like), by name or index; repeat or separate with commas.", AllowMultipleArgumentsPerToken = true };
        var task = new Option<string?>("--task") { Description = "classification, binary or regression for a CSV file (default: detected from the target); forecast for a time series CSV (with --window); text for a file of lines (a character-level language model)." };
        var scaling = new Option<string>("--scale") { Description = "CSV: feature scaling fitted on the training part: standard, minmax or none.", DefaultValueFactory = _ => "standard" };
        var testSplit = new Option<double>("--test-split") { Description = "CSV: fraction held out as the test set (stratified for classification); 0 tests on the training data.", DefaultValueFactory = _ => 0.2 };
        var layers = new Option<string>("--layers") { Description = "Hidden layer widths, comma-separated (e.g. 512,512): the shorthand for dense networks.", DefaultValueFactory = _ => "128" };
        var arch = new Option<string?>("--arch") { Description = "Any layer stack before the output layer, e.g. \"conv2d(32,3) relu maxpool(2) flatten dropout(0.5)\" (layers: " + string.Join(", ", LayerRegistry.Types.Select(t => t.Name)) + "); the output layer is added from the data." };
        var activation = new Option<string>("--activation") { Description = "Hidden activation: " + string.Join(", ", Activation.Names.Where(n => n != "softmax")) + ".", DefaultValueFactory = _ => "relu" };
        var loss = new Option<string?>("--loss") { Description = "Loss: " + string.Join(", ", Loss.Names) + " (default: cross-entropy; binary-cross-entropy or mse for binary and regression CSV targets)." };
        var optimizer = new Option<string>("--optimizer") { Description = "Optimizer: " + string.Join(", ", Optimizer.Names) + ".", DefaultValueFactory = _ => "adam" };
        var learningRate = new Option<float?>("--lr") { Description = "Learning rate (default 0.001 for adam, adamw and rmsprop, 0.01 otherwise)." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<string>("--batch-size") { Description = "Samples per step, or 'full' for full-batch gradient descent.", DefaultValueFactory = _ => "64" };
        var init = new Option<string>("--init") { Description = "Weight initializer: " + string.Join(", ", Initialization.Names) + ".", DefaultValueFactory = _ => "default" };
        var seed = new Option<int>("--seed") { Description = "Seed for initialization and shuffling.", DefaultValueFactory = _ => 0 };
        var validationSplit = new Option<double>("--val-split") { Description = "Fraction of the training data held out for validation (0 = none).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Where to save the trained model.", DefaultValueFactory = _ => "model.nabla" };
        var plot = new Option<string?>("--plot") { Description = "Write loss and accuracy curves per epoch to this PNG or SVG file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results on standard output." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output." };
        var augment = new Option<string?>("--augment") { Description = "Images: random distortions of each training sample, e.g. shift=2,rotate=10,scale=0.1 (pixels, degrees, zoom fraction), drawn from --seed, the step and the sample." };
        var dropout = new Option<float>("--dropout") { Description = "Dropout rate after each hidden activation (0 = none).", DefaultValueFactory = _ => 0f };
        var batchNorm = new Option<bool>("--batch-norm") { Description = "Batch normalization between each hidden dense layer and its activation." };
        var l2 = new Option<float>("--l2") { Description = "L2 penalty α on weights: scikit-learn's alpha for every loss (for regression, on the standardized target).", DefaultValueFactory = _ => 0f };
        var weightDecay = new Option<float?>("--weight-decay") { Description = "Decoupled weight decay for adamw (default 0.01)." };
        var clipNorm = new Option<float?>("--clip-norm") { Description = "Rescale gradients to at most this global L2 norm." };
        var clipValue = new Option<float?>("--clip-value") { Description = "Clamp every gradient value to [-v, v]." };
        var schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule: " + string.Join(", ", LearningRateSchedule.Names) + ".", DefaultValueFactory = _ => "constant" };
        var earlyStopping = new Option<bool>("--early-stopping") { Description = "Stop when the monitored metric stops improving; keep the best weights." };
        var monitor = new Option<string>("--monitor") { Description = "Metric for early stopping: val_loss, val_accuracy, loss, accuracy (default val_loss with a validation split, else loss)." };
        var patience = new Option<int>("--patience") { Description = "Epochs without improvement before early stopping.", DefaultValueFactory = _ => 5 };
        var minDelta = new Option<double>("--min-delta") { Description = "Smallest change that counts as an improvement.", DefaultValueFactory = _ => 0 };
        var log = new Option<string?>("--log") { Description = "Write the history as CSV (epoch, then sorted metric columns) after every epoch." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Save model, optimizer and training state to this folder after every epoch." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run whose checkpoint is in this folder (its settings are reused; --epochs may extend it)." };
        var window = new Option<int?>("--window") { Description = "Forecast: past steps per input window (required with --task forecast)." };
        var horizon = new Option<int?>("--horizon") { Description = "Forecast: steps to forecast after each window (default 1)." };
        var season = new Option<int?>("--season") { Description = "Forecast: season length in steps, for the seasonal naive baseline (e.g. 11 for yearly sunspots, 7 for daily data)." };
        var date = new Option<string?>("--date") { Description = "Forecast: the date column, or none (default: a column named date, year, time, …, or of dates)." };

        var command = new Command("train", "Train a network on an MNIST-layout folder or a CSV file, evaluate it on the test set, and save it.")
        {
            data, target, drop, task, scaling, testSplit, layers, arch, activation, loss, optimizer, learningRate, epochs, batchSize, init, seed, validationSplit, output, plot, json, quiet,
            augment, dropout, batchNorm, l2, weightDecay, clipNorm, clipValue, schedule, earlyStopping, monitor, patience, minDelta, log, checkpoint, resume,
            window, horizon, season, date,
        };

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

                    overrides.AddRange(["--epochs", parse.GetValue(epochs).ToString(CultureInfo.InvariantCulture)]);
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

            var recipe = new TrainingRecipe
            {
                Architecture = parse.GetValue(arch), Hidden = ParseLayers(parse.GetValue(layers)!), Activation = parse.GetValue(activation)!,
                Loss = parse.GetValue(loss), Optimizer = parse.GetValue(optimizer)!, LearningRate = parse.GetValue(learningRate),
                WeightDecay = parse.GetValue(weightDecay), Epochs = parse.GetValue(epochs), BatchSize = ParseBatchSize(parse.GetValue(batchSize)!),
                Init = parse.GetValue(init)!, Seed = parse.GetValue(seed), Dropout = parse.GetValue(dropout), BatchNorm = parse.GetValue(batchNorm),
                L2 = parse.GetValue(l2), ClipNorm = parse.GetValue(clipNorm), ClipValue = parse.GetValue(clipValue), Schedule = parse.GetValue(schedule)!,
                EarlyStopping = parse.GetValue(earlyStopping), Monitor = parse.GetValue(monitor), Patience = parse.GetValue(patience),
                MinDelta = parse.GetValue(minDelta), ValidationSplit = parse.GetValue(validationSplit), Augment = parse.GetValue(augment),
            };
            if (parse.GetResult(arch) is { Implicit: false } && parse.GetResult(layers) is { Implicit: false })
            {
                throw new UsageException("--arch and --layers both describe the hidden layers; give one.");
            }

            var settings = new TrainSettings(
                DataLocator.Resolve(parse.GetValue(data)), parse.GetValue(target),
                (parse.GetValue(drop) ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                parse.GetValue(task), parse.GetValue(scaling)!, parse.GetResult(testSplit) is { Implicit: false } ? parse.GetValue(testSplit) : null,
                parse.GetResult(target) is { Implicit: false } || parse.GetResult(drop) is { Implicit: false } || parse.GetResult(scaling) is { Implicit: false },
                parse.GetValue(output)!, parse.GetValue(plot), parse.GetValue(json), parse.GetValue(quiet), parse.GetValue(log), resumeFolder ?? parse.GetValue(checkpoint),
                string.Join('\n', parse.Tokens.Where(t => t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value)))
            {
                Sequence = new SequenceOptions(parse.GetValue(window), parse.GetValue(horizon), parse.GetValue(season), parse.GetValue(date)),
            };
            return Run(recipe, settings, resumed, console, cancellationToken);
        });
        return command;
    }

    /// <summary>What the train command needs besides the recipe: the data and where the results go.</summary>
    internal sealed record TrainSettings(
        string Data, string? Target, string[] Drop, string? Task, string Scaling, double? TestSplit, bool CsvOptionsGiven,
        string Output, string? Plot, bool Json, bool Quiet, string? Log, string? Checkpoint, string CommandLine)
    {
        /// <summary>The forecasting options (--window, --horizon, --season, --date).</summary>
        public SequenceOptions Sequence { get; init; } = new(null, null, null, null);
    }

    private static int Run(TrainingRecipe recipe, TrainSettings s, Checkpoint.Data? resumed, CliConsole console, CancellationToken cancellationToken)
    {
        // Validate everything before any work, so bad options fail fast and write nothing.
        recipe.Validate();
        if (DataLocator.IsImageFolder(s.Data) && (s.TestSplit is not null || s.Task is not null || s.CsvOptionsGiven))
        {
            string option = s.TestSplit is not null ? "--test-split" : s.Task is not null ? "--task" : "--target, --drop and --scale";
            throw new UsageException($"{option}: for CSV files only; {DataLocator.Describe(s.Data)} is an MNIST-layout folder (its test set is the t10k files, its task classification).");
        }

        SequenceTasks.CheckOptions(s);
        if (s.Task is not null && !SequenceTasks.IsSequenceTask(s.Task))
        {
            Tabular.ParseTask(s.Task);
        }

        if (recipe.Augment is not null && !Directory.Exists(s.Data))
        {
            throw new UsageException($"--augment: distorts images, but {s.Data} is a CSV file (rows of features); use an MNIST-layout folder of images.");
        }

        CheckOutputs(s);
        PreparedData prepared = SequenceTasks.IsSequenceTask(s.Task) ? SequenceTasks.Prepare(s, recipe)
            : DataPreparation.Prepare(s.Data, s.Target, s.Drop, s.Task, s.Scaling, s.TestSplit ?? 0.2, recipe.ValidationSplit, recipe.Seed);
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

        var session = new TrainingSession(model, loss, recipe.CreateOptimizer(model), recipe.CreateOptions(callbacks));
        if (resumed is not null)
        {
            Checkpoint.Restore(session, resumed);
        }

        TextWriter log = s.Json ? console.Error : console.Out;
        if (!s.Quiet)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(resumed is null ? "Training" : $"Resuming after epoch {session.CompletedEpochs}:")} {Describe(model)} on {train.Count} samples of {DataLocator.Describe(s.Data)} ({recipe.Optimizer}, lr {recipe.EffectiveLearningRate}, batch {(recipe.BatchSize <= 0 ? "full" : recipe.BatchSize)}, {recipe.Epochs} epochs, seed {recipe.Seed})"));
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
        IReadOnlyList<KeyValuePair<string, string>> settings = [new("data", s.Data), .. SequenceTasks.DescribeTask(s, prepared), .. recipe.Describe(loss)];
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

        Report(s, train, test, model, metadata, result, history, trainSeconds, console);
        return history.Cancelled ? NablaCli.Interrupted : NablaCli.Success;
    }

    private static void Report(TrainSettings s, Dataset train, Dataset test, Sequential model, ModelMetadata metadata, EvaluationResult result,
        TrainingHistory history, double trainSeconds, CliConsole console)
    {
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
            $"{figures} on {test.Count} samples; trained in {trainSeconds:F1} s{(history.Cancelled ? " (stopped early by Ctrl+C)" : "")}{(history.StoppedEarly ? $" (early stopping; best epoch {history.BestEpoch})" : "")}."));
        console.Out.WriteLine($"Saved the model to {s.Output}{(s.Plot is null ? "" : $" and the curves to {s.Plot}")}.");
    }

    /// <summary>"784-128-10" for a dense network; the input shape and the layer kinds for any other.</summary>
    private static string Describe(Sequential model) =>
        model.Layers.All(l => l is Dense or Nabla.Layers.Activation or Dropout or BatchNorm or Flatten)
            ? string.Join("-", new[] { model.InputShape.Count }.Concat(model.Layers.OfType<Dense>().Select(d => d.Units)))
            : $"[{string.Join(", ", model.InputShape.ToArray())}] → {string.Join(" ", model.Layers.Where(l => l is not Nabla.Layers.Activation).Select(l => l.Kind))}";

    private static int[] ParseLayers(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "none")
        {
            return [];
        }

        return text.Split(',', StringSplitOptions.TrimEntries).Select(part =>
            int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int width) && width > 0
                ? width
                : throw new UsageException($"--layers takes positive widths separated by commas (e.g. 512,512), got '{text}'.")).ToArray();
    }

    private static int ParseBatchSize(string text)
    {
        if (text.Equals("full", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0
            ? size
            : throw new UsageException($"--batch-size takes a positive number or 'full', got '{text}'.");
    }

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
