using Nabla.Data;
using Nabla.Metrics;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>
/// How a search scores a model on held-out rows, greater always better (scikit-learn's scorer names: errors and
/// losses negated, <c>neg_log_loss</c>, <c>neg_rmse</c>), computed as scikit-learn computes them (docs in
/// <see cref="Score"/>). Regression errors are in the target's own units.
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
    /// <remarks>accuracy: the share of rows classified right; balanced_accuracy: the mean recall over the classes
    /// present in the rows; f1_macro: the mean F1 over the classes among the true or predicted labels; f1_weighted:
    /// the F1 of each class weighted by its rows; neg_log_loss: −mean ln p(true class), probabilities clipped to
    /// [1e−15, 1 − 1e−15] (scikit-learn 1.2); r2: 1 − Σ(y − ŷ)² / Σ(y − ȳ)²; neg_rmse, neg_mae, neg_mse: the
    /// errors negated.</remarks>
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

        int[] predictions = result.Predictions!;
        var metrics = new ClassificationMetrics(labels, predictions, Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        // As scikit-learn: balanced accuracy averages the recall of the classes the rows hold; the macro F1 averages
        // over the classes that occur among the true or the predicted labels (a fold may lack a rare class).
        var predictedCounts = new int[classes];
        foreach (int p in predictions)
        {
            predictedCounts[p]++;
        }

        return name switch
        {
            "accuracy" => metrics.Accuracy,
            "balanced_accuracy" => metrics.Classes.Where(c => c.Support > 0).Average(c => c.Recall),
            "f1_macro" => metrics.Classes.Where((c, k) => c.Support > 0 || predictedCounts[k] > 0).Average(c => c.F1),
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
