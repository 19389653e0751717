using Nabla.Data;
using Nabla.Metrics;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>
/// How a search scores a model on held-out rows, greater always better (scikit-learn's scorer names: errors and
/// losses negated, <c>neg_log_loss</c>, <c>neg_rmse</c>). Regression errors are in the target's own units.
/// </summary>
public static class Scoring
{
    /// <summary>Scores for classification and binary tasks.</summary>
    public static IReadOnlyList<string> ClassificationNames { get; } = ["accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "neg_log_loss"];

    /// <summary>Scores for regression.</summary>
    public static IReadOnlyList<string> RegressionNames { get; } = ["r2", "neg_rmse", "neg_mae", "neg_mse"];

    /// <summary>The task's natural score: accuracy, or R² for regression (scikit-learn's <c>score</c>).</summary>
    public static string Default(TaskKind task) => task == TaskKind.Regression ? "r2" : "accuracy";

    /// <summary>The score's canonical name for <paramref name="task"/> (null: the default); <c>log_loss</c>, <c>rmse</c>,
    /// <c>mae</c> and <c>mse</c> are read as their negations.</summary>
    /// <exception cref="ArgumentException">Unknown, or not for this task, naming the choices.</exception>
    public static string Resolve(string? name, TaskKind task)
    {
        if (name is null)
        {
            return Default(task);
        }

        string canonical = name.Trim().ToLowerInvariant().Replace('-', '_') switch
        {
            "log_loss" => "neg_log_loss",
            "rmse" or "neg_root_mean_squared_error" => "neg_rmse",
            "mae" or "neg_mean_absolute_error" => "neg_mae",
            "mse" or "neg_mean_squared_error" => "neg_mse",
            string other => other,
        };
        IReadOnlyList<string> names = task == TaskKind.Regression ? RegressionNames : ClassificationNames;
        if (!names.Contains(canonical))
        {
            string kind = task == TaskKind.Regression ? "a regression target" : "a classification target";
            throw new ArgumentException($"--scoring {name}: not a score for {kind} (choose {string.Join(", ", names)}).");
        }

        return canonical;
    }

    /// <summary>The score <paramref name="name"/> (canonical) of <paramref name="result"/> on <paramref name="data"/>;
    /// for regression the outputs and targets are standardized values, mapped back with
    /// <paramref name="targetMean"/> and <paramref name="targetStd"/>.</summary>
    public static double Score(string name, Dataset data, EvaluationResult result, double targetMean = 0, double targetStd = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(result);
        if (data.Task == TaskKind.Regression)
        {
            float[] actual = Unstandardize(data.Targets.Span, targetMean, targetStd), predicted = Unstandardize(result.Outputs.Span, targetMean, targetStd);
            RegressionMetrics r = RegressionMetrics.Compute(actual, predicted);
            return name switch
            {
                "r2" => r.R2,
                "neg_rmse" => -r.RootMeanSquaredError,
                "neg_mae" => -r.MeanAbsoluteError,
                "neg_mse" => -r.MeanSquaredError,
                _ => throw new ArgumentException($"'{name}' is not a regression score."),
            };
        }

        int[] labels = data.RequireLabels();
        int classes = data.Task == TaskKind.Binary ? 2 : data.ClassCount;
        if (name == "neg_log_loss")
        {
            return -ClassificationMetrics.LogLoss(labels, Probabilities(result, classes), classes);
        }

        var metrics = new ClassificationMetrics(labels, result.Predictions!, Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        return name switch
        {
            "accuracy" => metrics.Accuracy,
            "balanced_accuracy" => metrics.MacroAverage.Recall,
            "f1_macro" => metrics.MacroAverage.F1,
            "f1_weighted" => metrics.WeightedAverage.F1,
            _ => throw new ArgumentException($"'{name}' is not a classification score."),
        };
    }

    private static float[] Probabilities(EvaluationResult result, int classes)
    {
        ReadOnlySpan<float> p = result.Outputs.Span;
        if (result.Outputs.RowLength == classes)
        {
            return p.ToArray();
        }

        var probabilities = new float[p.Length * 2];
        for (int i = 0; i < p.Length; i++)
        {
            (probabilities[2 * i], probabilities[2 * i + 1]) = (1 - p[i], p[i]);
        }

        return probabilities;
    }

    private static float[] Unstandardize(ReadOnlySpan<float> values, double mean, double std)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = (float)(values[i] * std + mean);
        }

        return result;
    }
}
