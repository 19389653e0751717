namespace Nabla.Metrics;

/// <summary>
/// Forecast errors over every forecast value, in the target's units: RMSE = √mean (y − ŷ)², MAE = mean |y − ŷ|, and
/// MAPE = 100 · mean |y − ŷ| / |y| over the values whose actual y is not 0 (a percentage error of a zero is undefined;
/// <see cref="MapeValues"/> says how many counted).
/// </summary>
public sealed record ForecastMetrics(double RootMeanSquaredError, double MeanAbsoluteError, double MeanAbsolutePercentageError, int MapeValues)
{
    /// <summary>Computes the metrics from true and forecast values (same length).</summary>
    public static ForecastMetrics Compute(ReadOnlySpan<float> actual, ReadOnlySpan<float> forecast)
    {
        if (actual.Length != forecast.Length || actual.Length == 0)
        {
            throw new ArgumentException($"Need as many forecasts as true values, and at least one ({actual.Length} vs {forecast.Length}).");
        }

        double squares = 0, absolute = 0, percentages = 0;
        int counted = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = actual[i] - (double)forecast[i];
            squares += error * error;
            absolute += Math.Abs(error);
            if (actual[i] != 0)
            {
                percentages += Math.Abs(error / actual[i]);
                counted++;
            }
        }

        return new ForecastMetrics(Math.Sqrt(squares / actual.Length), absolute / actual.Length, counted == 0 ? double.NaN : 100 * percentages / counted, counted);
    }
}
