using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli;

/// <summary>What the model says about one sample.</summary>
/// <param name="Sample">The sample's number in the call, from 0.</param>
/// <param name="Input">Where it came from (a file, or <c>file[i]</c>).</param>
/// <param name="Class">The predicted class's index (classification and binary), else -1.</param>
/// <param name="Probabilities">Per class (a binary model's P(class 1) expanded to two), empty for regression.</param>
/// <param name="Values">Regression: the predicted values in the target's units; else empty.</param>
/// <param name="LowConfidence">The predicted class's probability is below the threshold.</param>
internal sealed record Prediction(int Sample, string Input, int Class, float[] Probabilities, float[] Values, bool LowConfidence)
{
    /// <summary>The predicted class's probability (NaN for regression).</summary>
    public float Probability => Class >= 0 ? Probabilities[Class] : float.NaN;
}

/// <summary>Predictions made and written the same way for <c>nabla predict</c> (text, JSON, CSV) and
/// <c>nabla serve</c> (JSON).</summary>
internal static class Predictions
{
    /// <summary>The default of <c>--min-confidence</c>: below it, a prediction is marked as a guess.</summary>
    public const double DefaultMinConfidence = 0.5;

    /// <summary>One prediction per row of <paramref name="outputs"/> (the model's outputs, probabilities for classifiers).</summary>
    public static Prediction[] Make(Tensor outputs, IReadOnlyList<string> inputs, ModelMetadata metadata, double minConfidence)
    {
        var result = new Prediction[outputs.Rows];
        for (int i = 0; i < result.Length; i++)
        {
            ReadOnlySpan<float> output = outputs.Row(i);
            switch (metadata.Task)
            {
                case TaskKind.Regression:
                    result[i] = new Prediction(i, inputs[i], -1, [], Reports.Unstandardize(output, metadata), false);
                    break;
                case TaskKind.Binary:
                    float[] two = [1 - output[0], output[0]];
                    int binary = output[0] >= 0.5f ? 1 : 0;
                    result[i] = new Prediction(i, inputs[i], binary, two, [], two[binary] < minConfidence);
                    break;
                default:
                    int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output);
                    result[i] = new Prediction(i, inputs[i], best, output.ToArray(), [], output[best] < minConfidence);
                    break;
            }
        }

        return result;
    }

    /// <summary>{"sample":0,"input":"7.png","class":"7","probability":0.98,"low_confidence":false,"probabilities":{"0":…}}
    /// for classes; {"sample":0,"input":…,"value":12.5} (or "values") for regression.</summary>
    public static JsonObject ToJson(Prediction p, ModelMetadata metadata)
    {
        var node = new JsonObject { ["sample"] = p.Sample, ["input"] = p.Input };
        if (p.Class < 0)
        {
            if (p.Values.Length == 1)
            {
                node["value"] = p.Values[0];
            }
            else
            {
                node["values"] = new JsonArray(p.Values.Select(v => (JsonNode)v).ToArray());
            }

            return node;
        }

        node["class"] = metadata.ClassNames[p.Class];
        node["probability"] = Math.Round(p.Probability, 6);
        node["low_confidence"] = p.LowConfidence;
        var probabilities = new JsonObject();
        for (int k = 0; k < p.Probabilities.Length; k++)
        {
            probabilities[metadata.ClassNames[k]] = Math.Round(p.Probabilities[k], 6);
        }

        node["probabilities"] = probabilities;
        return node;
    }

    /// <summary>A table with a header, so that the sample number and the class cannot be confused:
    /// <c>sample  input  class  probability  next best</c> (regression: the target's name instead of the class), at most
    /// <paramref name="limit"/> rows, guesses marked with <c>?</c> and explained below.</summary>
    public static string Table(IReadOnlyList<Prediction> predictions, ModelMetadata metadata, int limit, double minConfidence)
    {
        bool regression = metadata.Task == TaskKind.Regression;
        var rows = new List<string[]>
        {
            regression ? ["sample", "input", metadata.TargetName is { Length: > 0 } t ? t : "value"] : ["sample", "input", "class", "probability", "next best"],
        };
        foreach (Prediction p in predictions.Take(limit))
        {
            string sample = p.Sample.ToString(CultureInfo.InvariantCulture);
            if (regression)
            {
                rows.Add([sample, p.Input, string.Join(" ", p.Values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))]);
                continue;
            }

            string runnersUp = string.Join(", ", Enumerable.Range(0, p.Probabilities.Length).Where(k => k != p.Class)
                .OrderByDescending(k => p.Probabilities[k]).Take(2)
                .Select(k => string.Create(CultureInfo.InvariantCulture, $"{metadata.ClassNames[k]} ({p.Probabilities[k]:F3})")));
            rows.Add([sample, p.Input, metadata.ClassNames[p.Class], string.Create(CultureInfo.InvariantCulture, $"{p.Probability:F3}{(p.LowConfidence ? " ?" : "")}"), runnersUp]);
        }

        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        if (predictions.Count > limit)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"... {predictions.Count - limit} more (use --limit, or --out FILE.csv or --json for all).");
        }

        if (predictions.Take(limit).Any(p => p.LowConfidence))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"? the model is unsure: its top probability is below {minConfidence} (--min-confidence).");
        }

        return text.ToString();
    }

    /// <summary>The predictions as CSV. For a CSV of pixel rows, Kaggle's submission layout (<c>ImageId,Label</c>, ImageId
    /// from 1); otherwise <c>sample,input,class,probability,low_confidence</c> and one <c>p_CLASS</c> column per class, or
    /// <c>sample,input,TARGET</c> for regression.</summary>
    public static string Csv(IReadOnlyList<Prediction> predictions, ModelMetadata metadata, bool kaggle)
    {
        var text = new StringBuilder();
        if (kaggle && metadata.Task != TaskKind.Regression)
        {
            text.AppendLine("ImageId,Label");
            foreach (Prediction p in predictions)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{p.Sample + 1},{Quote(metadata.ClassNames[p.Class])}");
            }

            return text.ToString();
        }

        if (metadata.Task == TaskKind.Regression)
        {
            string target = metadata.TargetName is { Length: > 0 } t ? t : "value";
            int outputs = predictions.Count > 0 ? predictions[0].Values.Length : 1;
            text.AppendLine(string.Join(",", new[] { "sample", "input" }.Concat(outputs == 1 ? [target] : Enumerable.Range(0, outputs).Select(k => $"{target}_{k}")).Select(Quote)));
            foreach (Prediction p in predictions)
            {
                text.AppendLine(string.Join(",", new[] { p.Sample.ToString(CultureInfo.InvariantCulture), Quote(p.Input) }
                    .Concat(p.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
            }

            return text.ToString();
        }

        text.AppendLine(string.Join(",", new[] { "sample", "input", "class", "probability", "low_confidence" }.Concat(metadata.ClassNames.Select(c => "p_" + c)).Select(Quote)));
        foreach (Prediction p in predictions)
        {
            text.AppendLine(string.Join(",", new[]
            {
                p.Sample.ToString(CultureInfo.InvariantCulture), Quote(p.Input), Quote(metadata.ClassNames[p.Class]),
                p.Probability.ToString("F6", CultureInfo.InvariantCulture), p.LowConfidence ? "true" : "false",
            }.Concat(p.Probabilities.Select(v => v.ToString("F6", CultureInfo.InvariantCulture)))));
        }

        return text.ToString();
    }

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
