using ScottPlot;

namespace Nabla.Cli;

/// <summary>A forecasting run's test period as a PNG, JPEG or SVG (ScottPlot): the actual series against the model's
/// forecasts one step ahead (and <c>horizon</c> steps ahead when that is more than one), written atomically.</summary>
internal static class ForecastPlot
{
    /// <summary>Draws <paramref name="forecast"/> ([test windows, horizon], in the target's units) against the series.</summary>
    public static void Save(string path, ForecastPrepared f, float[] forecast)
    {
        int horizon = f.Settings.Horizon, cut = f.Windows.TestCut;
        // Some context before the test period: as long again as the window, at least a quarter of the test period.
        int first = Math.Max(0, cut - Math.Max(f.Settings.Window, (f.Series.Rows - cut) / 4));
        double X(int step) => f.Series.Dates?.Position(step) ?? step + 1;
        var plot = new Plot();
        plot.Title($"{f.Series.Target}: actual and forecast on the test period");
        plot.YLabel(f.Series.Target);
        if (f.Series.Dates is { IsCalendar: true })
        {
            plot.Axes.DateTimeTicksBottom();
        }
        else
        {
            // years and step numbers without a thousands separator
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = v => v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        plot.XLabel(f.Series.Dates?.Column ?? "step");
        int[] steps = Enumerable.Range(first, f.Series.Rows - first).ToArray();
        var actual = plot.Add.Scatter(steps.Select(X).ToArray(), steps.Select(t => (double)f.Series.TargetAt(t)).ToArray());
        actual.LegendText = "actual";
        actual.Color = Colors.Black;
        actual.MarkerSize = 0;
        foreach (int h in horizon > 1 ? new[] { 0, horizon - 1 } : [0])
        {
            IReadOnlyList<int> starts = f.Windows.TestStarts;
            var series = plot.Add.Scatter(starts.Select(t => X(t + h)).ToArray(), starts.Select((_, w) => (double)forecast[w * horizon + h]).ToArray());
            series.LegendText = h == 0 ? "forecast, 1 step ahead" : $"forecast, {h + 1} steps ahead";
            series.Color = h == 0 ? Colors.Blue : Colors.Orange;
            series.MarkerSize = 3;
        }

        var line = plot.Add.VerticalLine(X(cut));
        line.Color = Colors.Gray;
        line.LinePattern = LinePattern.Dashed;
        plot.ShowLegend();
        byte[] bytes = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".svg" => System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(900, 500)),
            ".jpg" or ".jpeg" => plot.GetImageBytes(900, 500, ImageFormat.Jpeg),
            _ => plot.GetImageBytes(900, 500, ImageFormat.Png),
        };
        Nabla.IO.AtomicFile.WriteAllBytes(path, bytes);
    }
}
