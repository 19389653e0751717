using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;
using SkiaSharp;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla predict</c>: the predicted class and its probability (or the predicted value) for each sample of
/// one or many inputs — images, folders of images, glob patterns, IDX files, CSV files.</summary>
internal static class PredictCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file.", Required = true };
        var input = new Option<string[]>("--input")
        {
            Description = "Images (PNG, JPEG, BMP), folders of images, glob patterns ('scans/*.jpg', quoted), IDX image files (.gz or raw) or CSV files with one sample of raw values per row; several may follow one --input. For a forecasting model, one time series CSV (the forecast is for the steps after its end).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var limit = new Option<int>("--limit") { Description = "Show at most this many samples in the table.", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every prediction (all class probabilities) instead of the table." };
        var output = new Option<string?>("--out") { Description = "Write every prediction to this CSV file (for a CSV of pixel rows: Kaggle's submission layout, ImageId,Label)." };
        var show = new Option<string?>("--show") { Description = "Write the images the model received (after preprocessing: 28×28 for MNIST models) to this folder as PNG." };
        var minConfidence = new Option<double>("--min-confidence") { Description = "Mark predictions whose top probability is below this as unsure ('?', low_confidence).", DefaultValueFactory = _ => Predictions.DefaultMinConfidence };
        var command = new Command("predict", "Predict classes (or values) for images, folders of images or rows with a saved model, or forecast a time series.") { modelPath, input, limit, json, output, show, minConfidence };
        command.SetAction(parse =>
        {
            double threshold = parse.GetValue(minConfidence);
            if (!(threshold >= 0 && threshold <= 1))
            {
                throw new UsageException($"--min-confidence must be in [0, 1], got {threshold.ToString(CultureInfo.InvariantCulture)}.");
            }

            string? csvPath = parse.GetValue(output), showFolder = parse.GetValue(show);
            if (csvPath is not null)
            {
                CliFiles.CheckWritable(csvPath, "--out");
            }

            IReadOnlyList<string> files = PredictionInputs.Expand(parse.GetValue(input)!);
            var (model, metadata) = ModelFile.Load(parse.GetValue(modelPath)!);
            if (metadata.Task == TaskKind.Text)
            {
                throw new UsageException($"{parse.GetValue(modelPath)} is a language model (--task text): sample lines from it with nabla generate --model {parse.GetValue(modelPath)}.");
            }

            if (metadata.Forecast is not null)
            {
                return PredictForecast(parse, model, metadata, files, console, [json, output, show, minConfidence]);
            }

            if (showFolder is not null)
            {
                if (ImageStyle.ImageSize(model.InputShape) is null || metadata.FeatureNames is not null)
                {
                    throw new UsageException($"--show: the model takes {model.InputShape} values, not images.");
                }

                CliFiles.CheckFolder(showFolder, "--show");
            }

            PredictionBatch batch = PredictionInputs.Read(files, model, metadata);
            foreach (string note in batch.Notes)
            {
                console.Error.WriteLine(note);
            }

            Prediction[] predictions = Predictions.Make(model.Predict(batch.Samples), batch.Names, metadata, threshold);
            if (showFolder is not null)
            {
                WriteShown(showFolder, batch, predictions, model.InputShape, metadata);
            }

            if (csvPath is not null)
            {
                Nabla.IO.AtomicFile.WriteAllText(csvPath, Predictions.Csv(predictions, metadata, batch.PixelCsv));
            }

            if (parse.GetValue(json))
            {
                console.Out.WriteLine(new JsonObject
                {
                    ["model"] = parse.GetValue(modelPath),
                    ["task"] = metadata.Task.ToString().ToLowerInvariant(),
                    ["classes"] = new JsonArray(metadata.ClassNames.Select(c => (JsonNode)c).ToArray()),
                    ["min_confidence"] = threshold,
                    ["predictions"] = new JsonArray(predictions.Select(p => (JsonNode)Predictions.ToJson(p, metadata)).ToArray()),
                }.ToJsonString());
            }
            else
            {
                console.Out.Write(Predictions.Table(predictions, metadata, Math.Max(1, parse.GetValue(limit)), threshold));
                if (csvPath is not null)
                {
                    console.Out.WriteLine($"Wrote {predictions.Length} predictions to {csvPath}.");
                }

                if (showFolder is not null)
                {
                    console.Out.WriteLine($"Wrote the {predictions.Length} images the model received to {showFolder}.");
                }
            }

            return NablaCli.Success;
        });
        return command;
    }

    /// <summary>A forecasting model's predict: one series CSV, forecast after its end; the options for tables of
    /// samples refused in one line.</summary>
    private static int PredictForecast(ParseResult parse, Sequential model, ModelMetadata metadata, IReadOnlyList<string> files, CliConsole console, Option[] sampleOptions)
    {
        foreach (Option option in sampleOptions)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"{option.Name} is for models that predict samples; a forecasting model prints the {metadata.Forecast!.Horizon} step(s) after the end of its series.");
            }
        }

        if (files.Count != 1)
        {
            throw new UsageException($"--input: a forecasting model forecasts one series; give one CSV file, not {files.Count} files.");
        }

        return ForecastTask.Predict(model, metadata, files[0], console);
    }

    /// <summary>Each sample as the model received it, as a grey PNG at the model's size:
    /// <c>0003_digit_pred-7.png</c>.</summary>
    private static void WriteShown(string folder, PredictionBatch batch, Prediction[] predictions, Shape inputShape, ModelMetadata metadata)
    {
        var (height, width) = ImageStyle.ImageSize(inputShape)!.Value;
        var gray = new byte[height * width];
        for (int i = 0; i < predictions.Length; i++)
        {
            ReadOnlySpan<float> raw = batch.Raw.Row(i);
            for (int k = 0; k < gray.Length; k++)
            {
                gray[k] = (byte)Math.Clamp(MathF.Round(raw[k]), 0, 255);
            }

            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
            Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
            using SKData png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
            string name = batch.Names[i];
            int bracket = name.EndsWith(']') ? name.LastIndexOf('[') : -1;
            string file = Path.GetFileName(bracket >= 0 ? name[..bracket] : name);
            file = (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? file[..^3] : file).Split('.')[0] + (bracket >= 0 ? "_" + name[(bracket + 1)..^1] : "");
            string stem = new(file.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
            string label = predictions[i].Class >= 0 ? $"_pred-{new string(metadata.ClassNames[predictions[i].Class].Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray())}" : "";
            Nabla.IO.AtomicFile.WriteAllBytes(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D4}_{stem}{label}.png")), png.AsSpan());
        }
    }
}
