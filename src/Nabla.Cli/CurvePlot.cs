using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli;

/// <summary>
/// Loss and accuracy per epoch (ScottPlot) as PNG, JPEG or SVG, written atomically. Loss is on the left axis and
/// accuracy on the right, each axis drawn in the colour of its lines (train solid, validation dashed); epochs are whole
/// numbers on the x axis; the legend sits below the plot, where it covers no data; under early stopping a dotted line
/// marks the best epoch, whose weights the model kept.
/// </summary>
internal static class CurvePlot
{
    /// <summary>The loss lines and the left axis.</summary>
    public static readonly Color LossColor = Color.FromHex("#1f5fa8");

    /// <summary>The accuracy lines and the right axis.</summary>
    public static readonly Color AccuracyColor = Color.FromHex("#c4501b");

    public static void Save(string path, TrainingHistory history) =>
        Nabla.IO.AtomicFile.WriteAllBytes(path, Render(history, FormatOf(path, "--plot"), 800, 500));

    /// <summary>The plot as the bytes of a ".png", ".jpg" or ".svg" file.</summary>
    public static byte[] Render(TrainingHistory history, string format, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(history);
        var plot = new Plot();
        Plots.Style(plot);
        plot.Title("Training curves");
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        bool validation = history.Epochs.Any(e => e.ValidationLoss is not null);
        bool accuracy = history.Epochs.Any(e => double.IsFinite(e.TrainAccuracy));

        AddSeries(plot, epochs, history.Epochs.Select(e => e.TrainLoss), "train loss", LossColor, dashed: false, right: false);
        if (validation)
        {
            AddSeries(plot, epochs, history.Epochs.Select(e => e.ValidationLoss ?? double.NaN), "validation loss", LossColor, dashed: true, right: false);
        }

        plot.Axes.Left.Label.Text = accuracy ? "loss" : "loss (regression: MSE of the standardized target)";
        plot.Axes.Color(plot.Axes.Left, LossColor);
        if (accuracy)
        {
            AddSeries(plot, epochs, history.Epochs.Select(e => e.TrainAccuracy), "train accuracy", AccuracyColor, dashed: false, right: true);
            if (validation)
            {
                AddSeries(plot, epochs, history.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN), "validation accuracy", AccuracyColor, dashed: true, right: true);
            }

            plot.Axes.Right.Label.Text = "accuracy";
            plot.Axes.Color(plot.Axes.Right, AccuracyColor);
        }

        if (history.BestEpoch is { } best)
        {
            var line = plot.Add.VerticalLine(best);
            line.Color = Colors.Gray;
            line.LinePattern = LinePattern.Dotted;
            line.LineWidth = 1.5f;
            line.LegendText = $"best epoch ({best}), kept";
        }

        if (epochs.Length > 0)
        {
            // the epochs, and a little room: no tick at epoch 0 or after the last
            double pad = Math.Max(0.3, 0.02 * (epochs[^1] - epochs[0]));
            plot.Axes.SetLimitsX(epochs[0] - pad, epochs[^1] + pad);
        }

        plot.Axes.Title.Label.ForeColor = Colors.Black;
        plot.ShowLegend(Edge.Bottom);
        return format switch
        {
            ".svg" => System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(width, height)),
            ".jpg" => plot.GetImageBytes(width, height, ImageFormat.Jpeg),
            _ => plot.GetImageBytes(width, height, ImageFormat.Png),
        };
    }

    /// <summary>Throws unless <paramref name="path"/> names a PNG, JPEG or SVG file that can be written.</summary>
    public static void CheckPath(string path, string option = "--plot")
    {
        FormatOf(path, option);
        CliFiles.CheckWritable(path, option);
    }

    /// <summary>".png", ".jpg" or ".svg" from the file name, or a usage error naming <paramref name="option"/>.</summary>
    public static string FormatOf(string path, string option) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => ".png",
        ".svg" => ".svg",
        ".jpg" or ".jpeg" => ".jpg",
        string other => throw new UsageException($"{option} {path}: '{other}' is not a plot format; use .png, .jpg or .svg."),
    };

    private static void AddSeries(Plot plot, double[] xs, IEnumerable<double> ys, string label, Color color, bool dashed, bool right)
    {
        var series = plot.Add.Scatter(xs, ys.ToArray());
        series.LegendText = label;
        series.Color = color;
        series.LineWidth = 2;
        series.LinePattern = dashed ? LinePattern.Dashed : LinePattern.Solid;
        series.MarkerShape = dashed ? MarkerShape.OpenCircle : MarkerShape.FilledCircle;
        series.MarkerSize = xs.Length > 60 ? 0 : 6;
        if (right)
        {
            series.Axes.YAxis = plot.Axes.Right;
        }
    }
}
