using Nabla.Data;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>Loss, accuracy and predictions of a model on a labelled dataset.</summary>
public sealed record EvaluationResult(double Loss, double Accuracy, int[] Predictions, double[] PerClassAccuracy, int[] PerClassCount);

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
        int classes = data.ClassCount;
        var predictions = new int[data.Count];
        var correctPerClass = new int[classes];
        var countPerClass = new int[classes];
        double lossSum = 0;
        Tensor? view = null;
        Tensor? targets = null;
        Tensor? gradient = null;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, data.Count - start);
            view ??= data.Features.RowRange(start, rows);
            view.SetRowView(data.Features, start, rows);
            if (targets is null || targets.Rows != rows)
            {
                targets = new Tensor(rows, classes);
                gradient = new Tensor(rows, classes);
            }

            Tensor output = model.Forward(view, training: false);
            Span<float> t = targets.Span;
            t.Clear();
            for (int i = 0; i < rows; i++)
            {
                t[i * classes + data.Labels[start + i]] = 1f;
            }

            lossSum += loss.Compute(output.Span, t, classes, gradient!.Span) * (double)rows;
            TensorMath.ArgMaxRows(output.Span, classes, predictions.AsSpan(start, rows));
        }

        for (int i = 0; i < data.Count; i++)
        {
            countPerClass[data.Labels[i]]++;
            if (predictions[i] == data.Labels[i])
            {
                correctPerClass[data.Labels[i]]++;
            }
        }

        double[] perClass = correctPerClass.Select((c, k) => countPerClass[k] == 0 ? double.NaN : (double)c / countPerClass[k]).ToArray();
        return new EvaluationResult(lossSum / Math.Max(1, data.Count), (double)correctPerClass.Sum() / Math.Max(1, data.Count), predictions, perClass, countPerClass);
    }
}
