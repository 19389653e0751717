using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Metrics;

/// <summary>How well a model predicts the next token of held-out sequences: the mean cross-entropy per predicted token
/// (every position with a target, the line ends included), in bits (nats / ln 2) — bits per character for a
/// character-level model, comparable with <see cref="BigramBaseline"/>'s.</summary>
public static class LanguageModelMetrics
{
    /// <summary>Mean −log₂ softmax(output)[target] over the positions of <paramref name="data"/> (a
    /// <see cref="TaskKind.Text"/> dataset) that have a target, and how many there were.</summary>
    public static (double BitsPerToken, long Tokens) Evaluate(Sequential model, Dataset data, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Task != TaskKind.Text || model.OutputShape.Count != data.OutputCount)
        {
            throw new ArgumentException($"Bits per token need token sequences and a model with a distribution per step; got a {data.Task} dataset and a model with output {model.OutputShape}.");
        }

        int steps = data.TargetWidth, classes = data.ClassCount, bufferRows = Math.Min(batchSize, Math.Max(1, data.Count));
        var features = new Tensor(data.FeatureShape.WithBatch(bufferRows));
        var targets = new Tensor(bufferRows, steps);
        var logProbabilities = new float[bufferRows * steps * classes];
        var indices = new int[bufferRows];
        double nats = 0;
        long tokens = 0;
        for (int start = 0; start < data.Count; start += bufferRows)
        {
            int rows = Math.Min(bufferRows, data.Count - start);
            for (int i = 0; i < rows; i++)
            {
                indices[i] = start + i;
            }

            Tensor x = rows == bufferRows ? features : features.RowRange(0, rows);
            data.CopyFeatures(indices.AsSpan(0, rows), x.Span);
            data.CopyTargets(indices.AsSpan(0, rows), targets.Span);
            Tensor output = model.Forward(x, ForwardContext.Inference);
            Span<float> log = logProbabilities.AsSpan(0, output.Length);
            TensorMath.LogSoftmaxRows(output.Span, classes, log);
            ReadOnlySpan<float> t = targets.Span;
            for (int p = 0; p < rows * steps; p++)
            {
                if (t[p] >= 0)
                {
                    nats -= log[p * classes + (int)t[p]];
                    tokens++;
                }
            }
        }

        return (tokens == 0 ? double.NaN : nats / tokens / Math.Log(2), tokens);
    }
}
