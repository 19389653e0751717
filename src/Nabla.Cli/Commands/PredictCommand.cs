using System.CommandLine;
using System.Globalization;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla predict</c>: the predicted class and the probabilities for each sample of an input file.</summary>
internal static class PredictCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file.", Required = true };
        var input = new Option<string>("--input") { Description = "An IDX image file (.gz or raw), a PNG/JPEG image, or a CSV file with one sample of raw values (0..255) per row.", Required = true };
        var limit = new Option<int>("--limit") { Description = "Show at most this many samples.", DefaultValueFactory = _ => 20 };
        var command = new Command("predict", "Predict classes for images or rows with a saved model.") { modelPath, input, limit };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(input)!;
            var (model, metadata) = ModelFile.Load(parse.GetValue(modelPath)!);
            Tensor samples = ReadInput(path, model.InputShape.Count, metadata, console.Error);
            Tensor outputs = model.PredictProbabilities(samples);
            int shown = Math.Min(samples.Rows, Math.Max(1, parse.GetValue(limit)));
            for (int i = 0; i < shown; i++)
            {
                console.Out.WriteLine($"{i}: {Describe(outputs.Row(i), metadata)}");
            }

            if (shown < samples.Rows)
            {
                console.Out.WriteLine($"... {samples.Rows - shown} more (use --limit).");
            }

            return NablaCli.Success;
        });
        return command;
    }

    /// <summary>"7 (0.983)  0:0.001 1:0.000 …" for classes; "P(yes) = 0.91" style for binary; the value for regression.</summary>
    private static string Describe(ReadOnlySpan<float> output, ModelMetadata metadata)
    {
        switch (metadata.Task)
        {
            case TaskKind.Regression:
                return string.Join(" ", Reports.Unstandardize(output, metadata).Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
            case TaskKind.Binary:
                float p = output[0];
                string name = metadata.ClassNames[p > 0.5f ? 1 : 0];
                return string.Create(CultureInfo.InvariantCulture, $"{name} ({Math.Max(p, 1 - p):F3})  {metadata.ClassNames[0]}:{1 - p:F3} {metadata.ClassNames[1]}:{p:F3}");
            default:
                int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output);
                var all = new List<string>();
                for (int k = 0; k < output.Length; k++)
                {
                    all.Add(string.Create(CultureInfo.InvariantCulture, $"{metadata.ClassNames[k]}:{output[k]:F3}"));
                }

                return string.Create(CultureInfo.InvariantCulture, $"{metadata.ClassNames[best]} ({output[best]:F3})  {string.Join(" ", all)}");
        }
    }

    private static Tensor ReadInput(string path, int features, ModelMetadata metadata, TextWriter warnings)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: file not found.");
        }

        string extension = Path.GetExtension(path).ToLowerInvariant();
        Tensor samples;
        bool tabular = metadata.FeatureNames is not null;
        bool text = extension is ".csv" or ".tsv" or ".txt";
        if (tabular && !text)
        {
            throw new UsageException($"{path}: this model was trained on CSV columns ({string.Join(", ", metadata.FeatureNames!.Take(5))}{(metadata.FeatureNames!.Count > 5 ? ", …" : "")}); give a CSV file with those columns.");
        }

        if (extension is ".png" or ".jpg" or ".jpeg" or ".bmp")
        {
            samples = ImageInput.ReadForModel(path, features, metadata.InputScale);
        }
        else if (text)
        {
            // Rows of raw values: the model's columns by name when the file has a header (Kaggle's test.csv works as is).
            CsvTable table = CsvLoader.Load(path, DataPreparation.ReadOptions(metadata, features, targetRequired: false));
            samples = DataPreparation.Inputs(table, metadata, out TransformReport? report);
            if (report?.Describe() is { } line)
            {
                warnings.WriteLine($"Preprocessing {line}.");
            }
        }
        else
        {
            samples = Mnist.ReadImages(path);
        }

        if (samples.RowLength != features)
        {
            throw new UsageException($"{path}: samples have {samples.RowLength} values but the model takes {features}.");
        }

        return samples;
    }
}
