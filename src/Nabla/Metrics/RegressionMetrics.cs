namespace Nabla.Metrics;

/// <summary>
/// Regression metrics over every target value, as scikit-learn's: MSE = mean (y − ŷ)², RMSE = √MSE,
/// MAE = mean |y − ŷ|, R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (1 when both sums are 0, 0 when only the second is — scikit-learn's
/// conventions for a constant target).
/// </summary>
public sealed record RegressionMetrics(double MeanSquaredError, double RootMeanSquaredError, double MeanAbsoluteError, double R2)
{
    /// <summary>Computes the metrics from true and predicted values (same length).</summary>
    public static RegressionMetrics Compute(ReadOnlySpan<float> actual, ReadOnlySpan<float> predicted)
    {
        if (actual.Length != predicted.Length || actual.Length == 0)
        {
            throw new ArgumentException($"Need as many predictions as true values, and at least one ({actual.Length} vs {predicted.Length}).");
        }

        double mean = 0;
        foreach (float y in actual)
        {
            mean += y;
        }

        mean /= actual.Length;
        double squares = 0, absolute = 0, total = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = actual[i] - (double)predicted[i];
            squares += error * error;
            absolute += Math.Abs(error);
            total += (actual[i] - mean) * (actual[i] - mean);
        }

        double mse = squares / actual.Length;
        double r2 = total == 0 ? (squares == 0 ? 1 : 0) : 1 - squares / total;
        return new RegressionMetrics(mse, Math.Sqrt(mse), absolute / actual.Length, r2);
    }
}
