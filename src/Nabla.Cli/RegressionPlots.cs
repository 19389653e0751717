using ScottPlot;

namespace Nabla.Cli;

/// <summary>A regression model's predictions against the truth, and its residuals, as PNG plots (ScottPlot), in the
/// target's units.</summary>
internal static class RegressionPlots
{
    private static readonly Color s_points = Color.FromHex("#1f5fa8").WithAlpha(0.55);

    /// <summary>Predicted (y) against actual (x), with the line y = x where a perfect model's points lie.</summary>
    public static byte[] PredictedVersusActual(float[] actual, float[] predicted, string target, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        var plot = new Plot();
        Plots.Style(plot);
        plot.Title("Predicted against actual");
        plot.XLabel($"actual {target}");
        plot.YLabel($"predicted {target}");
        Points(plot, actual, predicted);
        double low = Math.Min(actual.Min(), predicted.Min()), high = Math.Max(actual.Max(), predicted.Max());
        var line = plot.Add.Line(low, low, high, high);
        line.Color = Colors.Gray;
        line.LinePattern = LinePattern.Dashed;
        line.LegendText = "predicted = actual";
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The residuals (predicted − actual) against the prediction, around the zero line: a pattern here is what
    /// the model has not learned.</summary>
    public static byte[] Residuals(float[] actual, float[] predicted, string target, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        var plot = new Plot();
        Plots.Style(plot);
        plot.Title("Residuals");
        plot.XLabel($"predicted {target}");
        plot.YLabel("predicted − actual");
        Points(plot, predicted, predicted.Zip(actual, (p, a) => p - a).ToArray());
        var zero = plot.Add.HorizontalLine(0);
        zero.Color = Colors.Gray;
        zero.LinePattern = LinePattern.Dashed;
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void Points(Plot plot, float[] xs, float[] ys)
    {
        var points = plot.Add.ScatterPoints(xs.Select(v => (double)v).ToArray(), ys.Select(v => (double)v).ToArray());
        points.Color = s_points;
        points.MarkerSize = xs.Length > 2000 ? 3 : 5;
    }
}
