using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla evaluate</c>: loss, accuracy and per-class accuracy of a saved model on a test set.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (from nabla train).", Required = true };
        var data = new Option<string?>("--data") { Description = "Folder with MNIST-layout IDX files; its t10k files are the test set (default: the built-in data/mnist-10k)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("evaluate", "Evaluate a saved model on a test set: loss, accuracy, per-class accuracy.") { modelPath, data, json };
        command.SetAction(parse =>
        {
            var (model, metadata) = ModelFile.Load(parse.GetValue(modelPath)!);
            Dataset test = Mnist.Load(DataLocator.Resolve(parse.GetValue(data)), "t10k");
            CheckCompatible(model, test, parse.GetValue(modelPath)!);
            EvaluationResult result = Evaluator.Evaluate(model, LossFor(metadata), test);
            if (parse.GetValue(json))
            {
                var perClass = new JsonObject();
                for (int k = 0; k < result.PerClassAccuracy.Length; k++)
                {
                    perClass[metadata.ClassNames[k]] = double.IsNaN(result.PerClassAccuracy[k]) ? null : Math.Round(result.PerClassAccuracy[k], 4);
                }

                console.Out.WriteLine(new JsonObject
                {
                    ["samples"] = test.Count,
                    ["accuracy"] = Math.Round(result.Accuracy, 4),
                    ["loss"] = Math.Round(result.Loss, 4),
                    ["per_class_accuracy"] = perClass,
                }.ToJsonString());
                return NablaCli.Success;
            }

            console.Out.WriteLine(FormattableString.Invariant($"Samples  {test.Count}\nLoss     {result.Loss:F4}\nAccuracy {result.Accuracy:F4}\n"));
            console.Out.WriteLine("class  accuracy  samples");
            for (int k = 0; k < result.PerClassAccuracy.Length; k++)
            {
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{metadata.ClassNames[k],5}  {result.PerClassAccuracy[k],8:F4}  {result.PerClassCount[k],7}"));
            }

            return NablaCli.Success;
        });
        return command;
    }

    internal static ILoss LossFor(ModelMetadata metadata) => Loss.Create(metadata.Loss);

    internal static void CheckCompatible(Sequential model, Dataset data, string modelPath)
    {
        if (data.Features.RowLength != model.InputShape.Count)
        {
            throw new UsageException($"the model {modelPath} takes {model.InputShape.Count} values per sample but the data has {data.Features.RowLength}.");
        }

        if (data.ClassCount != model.OutputShape.Count)
        {
            throw new UsageException($"the model {modelPath} knows {model.OutputShape.Count} classes but the data has labels up to {data.ClassCount - 1}.");
        }
    }
}
