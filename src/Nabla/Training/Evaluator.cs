using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>What a model did on a dataset.</summary>
/// <param name="Loss">Mean loss.</param>
/// <param name="Accuracy">Fraction of correct classes (NaN for regression).</param>
/// <param name="Predictions">The predicted class of each sample (null for regression).</param>
/// <param name="Outputs">[count, outputs] after the output transform: class probabilities (for binary, P(class 1)),
/// or regression values in the units the model was trained on.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, int[]? Predictions, Tensor Outputs);

/// <summary>Runs a model in inference mode over a dataset, in batches.</summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/> with <paramref name="loss"/>.</summary>
    public static EvaluationResult Evaluate(Sequential model, ILoss loss, Dataset data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(data);
        model.CheckCompatible(data, "evaluation");
        int outputs = data.OutputCount, targetWidth = data.TargetWidth, bufferRows = Math.Min(batchSize, Math.Max(1, data.Count));
        int[]? predictions = data.Labels is null ? null : new int[data.Count];
        var allOutputs = new Tensor(data.Count, outputs);
        var features = new Tensor(data.FeatureShape.WithBatch(bufferRows));
        var targets = new Tensor(bufferRows, targetWidth);
        float[] gradient = new float[bufferRows * outputs];
        int[] indices = new int[bufferRows];
        double lossSum = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < rows; i++)
            {
                indices[i] = start + i;
            }

            Tensor x = rows == bufferRows ? features : features.RowRange(0, rows);
            Tensor t = rows == bufferRows ? targets : targets.RowRange(0, rows);
            data.CopyFeatures(indices.AsSpan(0, rows), x.Span);
            data.CopyTargets(indices.AsSpan(0, rows), t.Span);
            Tensor output = model.Forward(x, ForwardContext.Inference);
            lossSum += loss.Compute(output.Span, t.Span, outputs, gradient.AsSpan(0, rows * outputs)) * (double)rows;
            if (predictions is not null)
            {
                loss.OutputTransform.PredictClasses(output.Span, outputs, predictions.AsSpan(start, rows));
            }

            // the transform acts on the last dimension (a language model's output is a softmax per step)
            model.OutputTransform.Apply(output.Span, model.OutputShape.Last, allOutputs.Span.Slice(start * outputs, rows * outputs));
        }

        double accuracy = double.NaN;
        if (predictions is not null)
        {
            int correct = 0;
            for (int i = 0; i < predictions.Length; i++)
            {
                correct += predictions[i] == data.Labels![i] ? 1 : 0;
            }

            accuracy = (double)correct / Math.Max(1, data.Count);
        }

        return new EvaluationResult(lossSum / Math.Max(1, data.Count), accuracy, predictions, allOutputs);
    }
}
