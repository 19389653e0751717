using Nabla.Data;
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
        TrainingSession.CheckFits(model, data, "evaluation");
        int outputs = data.OutputCount;
        int[]? predictions = data.Labels is null ? null : new int[data.Count];
        var allOutputs = new Tensor(data.Count, outputs);
        double lossSum = 0;
        Tensor? view = null, targets = null;
        int bufferRows = Math.Min(batchSize, Math.Max(1, data.Count));
        float[] gradient = new float[bufferRows * outputs];
        int[] indices = data.IsCompact ? new int[bufferRows] : [];
        Tensor? expanded = data.IsCompact ? new Tensor(bufferRows, data.FeatureCount) : null;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, data.Count - start);
            if (expanded is not null)
            {
                // Compact (byte) data: expand this batch only.
                for (int i = 0; i < rows; i++)
                {
                    indices[i] = start + i;
                }

                view = rows == bufferRows ? expanded : expanded.RowRange(0, rows);
                data.CopyFeatures(indices.AsSpan(0, rows), view.Span);
            }
            else
            {
                view ??= data.Features.RowRange(start, rows);
                view.SetRowView(data.Features, start, rows);
            }

            targets ??= data.Targets.RowRange(start, rows);
            targets.SetRowView(data.Targets, start, rows);
            Tensor output = model.Forward(view, training: false);
            lossSum += loss.Compute(output.Span, targets.Span, outputs, gradient.AsSpan(0, rows * outputs)) * (double)rows;
            if (predictions is not null)
            {
                PredictClasses(output.Span, outputs, loss.OutputTransform, predictions.AsSpan(start, rows));
            }

            Span<float> target = allOutputs.Span.Slice(start * outputs, rows * outputs);
            switch (model.OutputTransform)
            {
                case OutputTransform.Softmax:
                    TensorMath.SoftmaxRows(output.Span, outputs, target);
                    break;
                case OutputTransform.Sigmoid:
                    TensorMath.Sigmoid(output.Span, target);
                    break;
                default:
                    output.Span.CopyTo(target);
                    break;
            }
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

    /// <summary>The class of each row of network outputs: the argmax, or for one output the side of the threshold
    /// (0 for logits, 0.5 for probabilities).</summary>
    public static void PredictClasses(ReadOnlySpan<float> output, int outputs, OutputTransform transform, Span<int> classes)
    {
        if (outputs == 1)
        {
            float threshold = transform == OutputTransform.Sigmoid ? 0f : 0.5f;
            for (int i = 0; i < classes.Length; i++)
            {
                classes[i] = output[i] > threshold ? 1 : 0;
            }

            return;
        }

        TensorMath.ArgMaxRows(output, outputs, classes);
    }
}
