using Nabla.Data;
using Nabla.Metrics;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>Metrics of an evaluation in the units and names a user knows.</summary>
internal static class Reports
{
    /// <summary>Regression metrics with targets and predictions mapped back from standardized units.</summary>
    public static RegressionMetrics Regression(Dataset data, EvaluationResult result, ModelMetadata metadata)
    {
        float[] actual = Unstandardize(data.Targets.Span, metadata);
        float[] predicted = Unstandardize(result.Outputs.Span, metadata);
        return RegressionMetrics.Compute(actual, predicted);
    }

    /// <summary>ŷ·std + mean.</summary>
    public static float[] Unstandardize(ReadOnlySpan<float> values, ModelMetadata metadata)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = (float)(values[i] * metadata.TargetStd + metadata.TargetMean);
        }

        return result;
    }

    /// <summary>Class probabilities [n, classes] from an evaluation (a binary model's single P(class 1) is expanded).</summary>
    public static float[] ClassProbabilities(EvaluationResult result, int classes)
    {
        if (result.Outputs.RowLength == classes)
        {
            return result.Outputs.Span.ToArray();
        }

        ReadOnlySpan<float> p = result.Outputs.Span;
        var probabilities = new float[p.Length * 2];
        for (int i = 0; i < p.Length; i++)
        {
            probabilities[2 * i] = 1 - p[i];
            probabilities[2 * i + 1] = p[i];
        }

        return probabilities;
    }
}
