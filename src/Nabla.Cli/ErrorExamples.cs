using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Training;
using SkiaSharp;

namespace Nabla.Cli;

/// <summary>The tutorials' error analysis: the examples a model gets wrong, written where a person can look at them.</summary>
internal static class ErrorExamples
{
    /// <summary>Misclassified samples: square images as PNG (<c>00042_true-7_pred-2.png</c>, 4× enlarged), other data as
    /// <c>errors.csv</c> (original feature values, true and predicted class, the predicted class's probability).
    /// Returns how many were written.</summary>
    public static int WriteMisclassified(string folder, Tensor raw, Dataset data, EvaluationResult result, ModelMetadata metadata)
    {
        Directory.CreateDirectory(folder);
        int[] labels = data.RequireLabels();
        int[] predictions = result.Predictions!;
        int width = raw.RowLength, side = (int)Math.Round(Math.Sqrt(width));
        bool images = metadata.FeatureNames is null && side * side == width;
        float[] probabilities = Reports.ClassProbabilities(result, metadata.ClassNames.Count);
        var csv = new StringBuilder();
        if (!images)
        {
            csv.AppendLine(string.Join(",", (metadata.FeatureNames ?? Enumerable.Range(0, width).Select(i => $"x{i}")).Append("true").Append("predicted").Append("probability").Select(Quote)));
        }

        int written = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == predictions[i])
            {
                continue;
            }

            string truth = metadata.ClassNames[labels[i]], predicted = metadata.ClassNames[predictions[i]];
            if (images)
            {
                WritePng(Path.Combine(folder, $"{i:D5}_true-{Safe(truth)}_pred-{Safe(predicted)}.png"), raw.Row(i), side, metadata.InputScale);
            }
            else
            {
                csv.AppendLine(string.Join(",", raw.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))
                    .Append(Quote(truth)).Append(Quote(predicted))
                    .Append(probabilities[i * metadata.ClassNames.Count + predictions[i]].ToString("F4", CultureInfo.InvariantCulture))));
            }

            written++;
        }

        if (!images)
        {
            WriteAtomically(Path.Combine(folder, "errors.csv"), csv.ToString());
        }

        return written;
    }

    /// <summary>Regression: every sample with its true value, prediction and error, largest errors first, as <c>errors.csv</c>.</summary>
    public static void WriteRegression(string folder, Tensor raw, Dataset data, EvaluationResult result, ModelMetadata metadata)
    {
        Directory.CreateDirectory(folder);
        float[] actual = Reports.Unstandardize(data.Targets.Span, metadata), predicted = Reports.Unstandardize(result.Outputs.Span, metadata);
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", (metadata.FeatureNames ?? []).Append("true").Append("predicted").Append("error").Select(Quote)));
        foreach (int i in Enumerable.Range(0, actual.Length).OrderByDescending(i => Math.Abs(actual[i] - predicted[i])))
        {
            csv.AppendLine(string.Join(",", raw.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))
                .Append(actual[i].ToString("R", CultureInfo.InvariantCulture)).Append(predicted[i].ToString("R", CultureInfo.InvariantCulture))
                .Append((predicted[i] - actual[i]).ToString("R", CultureInfo.InvariantCulture))));
        }

        WriteAtomically(Path.Combine(folder, "errors.csv"), csv.ToString());
    }

    private static void WritePng(string path, ReadOnlySpan<float> pixels, int side, float inputScale)
    {
        const int Zoom = 4;
        int size = side * Zoom;
        var gray = new byte[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                // raw pixel × the model's input scale is brightness in [0, 1]
                float brightness = pixels[(y / Zoom) * side + x / Zoom] * inputScale;
                gray[y * size + x] = (byte)Math.Clamp(MathF.Round(brightness * 255f), 0, 255);
            }
        }

        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        using SKData png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        Nabla.IO.AtomicFile.WriteAllBytes(path, png.AsSpan());
    }

    private static void WriteAtomically(string path, string text) => Nabla.IO.AtomicFile.WriteAllText(path, text);

    private static string Safe(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());

    private static string Quote(string text) => text.Contains(',') || text.Contains('"') ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
