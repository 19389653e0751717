using System.CommandLine;
using System.Text.Json.Nodes;
using Nabla.Cli.Images;
using Nabla.Data;
using Nabla.Metrics;
using Nabla.Serialization;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla evaluate</c>: a full report of a saved model on labelled data — scikit-learn's classification report,
/// confusion matrix, log loss and top-k accuracy, or regression metrics — and optionally the misclassified examples.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (from nabla train).", Required = true };
        var data = new Option<string?>("--data") { Description = "An MNIST-layout folder (its t10k files are used) or a labelled CSV file (default: the test part of the data the model was trained on, as its file records it)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var errors = new Option<string?>("--errors") { Description = "Write the misclassified examples to this folder: a PNG per image and a labelled contact sheet, errors.csv with each wrong CSV row (its row number and every column), and index.html to look at them." };
        var confusion = new Option<string?>("--confusion") { Description = "Write the confusion matrix as a heat map to this PNG file (counts and row shares)." };
        var command = new Command("evaluate", "Evaluate a saved model: loss, accuracy, precision/recall/F1 per class, confusion matrix (or regression metrics).") { modelPath, data, json, errors, confusion };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(modelPath)!;
            string? errorFolder = parse.GetValue(errors);
            string? confusionPath = parse.GetValue(confusion);
            if (errorFolder is not null)
            {
                CliFiles.CheckFolder(errorFolder, "--errors");
            }

            if (confusionPath is not null)
            {
                if (!Path.GetExtension(confusionPath).Equals(".png", StringComparison.OrdinalIgnoreCase))
                {
                    throw new UsageException($"--confusion {confusionPath}: the heat map is a PNG file (name it .png).");
                }

                CliFiles.CheckWritable(confusionPath, "--confusion");
            }

            var (model, metadata) = ModelFile.Load(path);
            if (metadata.Forecast is not null || metadata.Task == TaskKind.Text)
            {
                throw new UsageException(metadata.Forecast is not null
                    ? $"{path} is a forecasting model: nabla train reports its test RMSE, MAE and MAPE next to the naive baselines, and nabla predict --model {path} --input FILE.csv forecasts after the end of a file."
                    : $"{path} is a language model: nabla train reports its held-out bits per character next to a bigram baseline, and nabla generate --model {path} samples from it.");
            }

            if (confusionPath is not null && metadata.Task == TaskKind.Regression)
            {
                throw new UsageException($"--confusion: {path} is a regression model; a confusion matrix needs classes.");
            }

            EvaluationData chosen = EvaluationSource.Choose(parse.GetValue(data), model, metadata, path);
            if (chosen.Note is not null)
            {
                console.Error.WriteLine($"nabla: note: {chosen.Note}");
            }

            ModelEvaluation evaluation = ModelEvaluation.Run(model, metadata, path, chosen);
            foreach (string line in evaluation.Notes)
            {
                console.Error.WriteLine(line);
            }

            var (test, result) = (evaluation.Data, evaluation.Result);
            if (metadata.Task == TaskKind.Regression)
            {
                RegressionMetrics r = evaluation.Regression!;
                if (parse.GetValue(json))
                {
                    // mse, rmse and mae are in the target's units; the loss the model was trained on is the MSE of the
                    // standardized target, (y − mean)/std: standardized_mse = mse / std².
                    console.Out.WriteLine(new JsonObject
                    {
                        ["data"] = chosen.Source, ["includes_training_rows"] = chosen.IncludesTrainingRows,
                        ["samples"] = test.Count, ["task"] = "regression", ["mse"] = r.MeanSquaredError, ["rmse"] = r.RootMeanSquaredError,
                        ["mae"] = r.MeanAbsoluteError, ["r2"] = r.R2, ["standardized_mse"] = result.Loss, ["target_mean"] = metadata.TargetMean, ["target_std"] = metadata.TargetStd,
                    }.ToJsonString());
                }
                else
                {
                    console.Out.WriteLine($"Data     {chosen.Source}");
                    console.Out.WriteLine(FormattableString.Invariant($"Samples  {test.Count}\nMSE      {r.MeanSquaredError:G6}\nRMSE     {r.RootMeanSquaredError:G6}\nMAE      {r.MeanAbsoluteError:G6}\nR²       {r.R2:F4}"));
                }

                if (errorFolder is not null)
                {
                    ErrorExamples.WriteRegression(errorFolder, evaluation);
                }

                return NablaCli.Success;
            }

            int[] labels = evaluation.Labels;
            ClassificationMetrics metrics = evaluation.Classification!;
            float[] probabilities = evaluation.Probabilities;
            double logLoss = ClassificationMetrics.LogLoss(labels, probabilities, metadata.ClassNames.Count);
            double top2 = ClassificationMetrics.TopKAccuracy(labels, probabilities, metadata.ClassNames.Count, 2);
            int written = errorFolder is null ? 0 : ErrorExamples.WriteMisclassified(errorFolder, evaluation);
            if (confusionPath is not null)
            {
                Nabla.IO.AtomicFile.WriteAllBytes(confusionPath, ConfusionPlot.Render(metrics.ConfusionMatrix, metadata.ClassNames,
                    FormattableString.Invariant($"Confusion matrix: {Path.GetFileName(path)} on {test.Count} samples, accuracy {metrics.Accuracy:F4}")));
            }

            if (parse.GetValue(json))
            {
                var perClass = new JsonObject();
                foreach (ClassScores c in metrics.Classes)
                {
                    perClass[c.Name] = new JsonObject { ["precision"] = c.Precision, ["recall"] = c.Recall, ["f1"] = c.F1, ["support"] = c.Support };
                }

                var matrix = new JsonArray();
                for (int i = 0; i < metrics.Classes.Count; i++)
                {
                    matrix.Add((JsonNode)new JsonArray(Enumerable.Range(0, metrics.Classes.Count).Select(j => (JsonNode)metrics.ConfusionMatrix[i, j]).ToArray()));
                }

                console.Out.WriteLine(new JsonObject
                {
                    ["data"] = chosen.Source,
                    ["includes_training_rows"] = chosen.IncludesTrainingRows,
                    ["samples"] = test.Count,
                    ["task"] = metadata.Task.ToString().ToLowerInvariant(),
                    ["loss"] = result.Loss,
                    ["accuracy"] = metrics.Accuracy,
                    ["log_loss"] = logLoss,
                    ["top2_accuracy"] = top2,
                    ["macro_precision"] = metrics.MacroAverage.Precision,
                    ["macro_recall"] = metrics.MacroAverage.Recall,
                    ["macro_f1"] = metrics.MacroAverage.F1,
                    ["weighted_f1"] = metrics.WeightedAverage.F1,
                    ["micro_f1"] = metrics.MicroAverage.F1,
                    ["per_class"] = perClass,
                    ["confusion_matrix"] = matrix,
                    ["errors_written"] = written,
                }.ToJsonString());
                return NablaCli.Success;
            }

            console.Out.WriteLine($"Data            {chosen.Source}");
            console.Out.WriteLine(FormattableString.Invariant($"Samples         {test.Count}\nAccuracy        {metrics.Accuracy:F4}\nLog loss        {logLoss:F4}\nTop-2 accuracy  {top2:F4}\n"));
            console.Out.Write(metrics.Report());
            console.Out.WriteLine();
            console.Out.WriteLine("Confusion matrix (rows: true class, columns: predicted class)");
            console.Out.Write(metrics.ConfusionMatrixText());
            if (errorFolder is not null)
            {
                console.Out.WriteLine($"\nWrote {written} misclassified examples to {errorFolder} (open {Path.Combine(errorFolder, ErrorExamples.IndexName)}).");
            }

            if (confusionPath is not null)
            {
                console.Out.WriteLine($"Wrote the confusion matrix to {confusionPath}.");
            }

            return NablaCli.Success;
        });
        return command;
    }
}
