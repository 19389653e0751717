using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Losses;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla evaluate</c>: a full report of a saved model on labelled data — scikit-learn's classification report,
/// confusion matrix, log loss and top-k accuracy, or regression metrics — and optionally the misclassified examples.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (from nabla train).", Required = true };
        var data = new Option<string?>("--data") { Description = "An MNIST-layout folder (its t10k files are used; default: the built-in data/mnist-10k) or a labelled CSV file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var errors = new Option<string?>("--errors") { Description = "Write the misclassified examples to this folder: PNG images named with true and predicted labels, or errors.csv for tabular data." };
        var command = new Command("evaluate", "Evaluate a saved model: loss, accuracy, precision/recall/F1 per class, confusion matrix (or regression metrics).") { modelPath, data, json, errors };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(modelPath)!;
            string? errorFolder = parse.GetValue(errors);
            if (errorFolder is not null)
            {
                CliFiles.CheckFolder(errorFolder, "--errors");
            }

            var (model, metadata) = ModelFile.Load(path);

            string source = metadata.FeatureNames is null ? DataLocator.Resolve(parse.GetValue(data))
                : parse.GetValue(data) ?? throw new UsageException("this model was trained on a CSV file: give --data FILE.csv with the same columns.");
            var (test, raw) = DataPreparation.LoadForEvaluation(source, metadata, model.InputShape.Count);
            CheckCompatible(model, test, path);
            EvaluationResult result = Evaluator.Evaluate(model, LossFor(metadata), test);
            if (metadata.Task == TaskKind.Regression)
            {
                RegressionMetrics r = Reports.Regression(test, result, metadata);
                if (parse.GetValue(json))
                {
                    console.Out.WriteLine(new JsonObject { ["samples"] = test.Count, ["task"] = "regression", ["loss"] = result.Loss, ["mse"] = r.MeanSquaredError, ["rmse"] = r.RootMeanSquaredError, ["mae"] = r.MeanAbsoluteError, ["r2"] = r.R2 }.ToJsonString());
                }
                else
                {
                    console.Out.WriteLine(FormattableString.Invariant($"Samples  {test.Count}\nMSE      {r.MeanSquaredError:G6}\nRMSE     {r.RootMeanSquaredError:G6}\nMAE      {r.MeanAbsoluteError:G6}\nR²       {r.R2:F4}"));
                }

                if (errorFolder is not null)
                {
                    ErrorExamples.WriteRegression(errorFolder, raw, test, result, metadata);
                }

                return NablaCli.Success;
            }

            int[] labels = test.RequireLabels();
            var metrics = new ClassificationMetrics(labels, result.Predictions!, metadata.ClassNames);
            float[] probabilities = Reports.ClassProbabilities(result, metadata.ClassNames.Count);
            double logLoss = ClassificationMetrics.LogLoss(labels, probabilities, metadata.ClassNames.Count);
            double top2 = ClassificationMetrics.TopKAccuracy(labels, probabilities, metadata.ClassNames.Count, 2);
            int written = errorFolder is null ? 0 : ErrorExamples.WriteMisclassified(errorFolder, raw, test, result, metadata);
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

            console.Out.WriteLine(FormattableString.Invariant($"Samples         {test.Count}\nAccuracy        {metrics.Accuracy:F4}\nLog loss        {logLoss:F4}\nTop-2 accuracy  {top2:F4}\n"));
            console.Out.Write(metrics.Report());
            console.Out.WriteLine();
            console.Out.WriteLine("Confusion matrix (rows: true class, columns: predicted class)");
            console.Out.Write(metrics.ConfusionMatrixText());
            if (errorFolder is not null)
            {
                console.Out.WriteLine($"\nWrote {written} misclassified examples to {errorFolder}.");
            }

            return NablaCli.Success;
        });
        return command;
    }

    internal static ILoss LossFor(ModelMetadata metadata) => Loss.Create(metadata.Loss);

    internal static void CheckCompatible(Sequential model, Dataset data, string modelPath)
    {
        if (data.FeatureCount != model.InputShape.Count)
        {
            throw new UsageException($"the model {modelPath} takes {model.InputShape.Count} values per sample but the data has {data.FeatureCount}.");
        }

        if (data.OutputCount != model.OutputShape.Count)
        {
            throw new UsageException($"the model {modelPath} outputs {model.OutputShape.Count} values but the data needs {data.OutputCount} (labels up to {data.ClassCount - 1}).");
        }
    }
}
