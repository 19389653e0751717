using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli;

/// <summary>Loss and accuracy per epoch as a PNG or SVG (ScottPlot), written atomically.</summary>
internal static class CurvePlot
{
    public static void Save(string path, TrainingHistory history)
    {
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        var plot = new Plot();
        plot.Title("Training curves");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "accuracy";
        AddSeries(plot, epochs, history.Epochs.Select(e => e.TrainLoss), "train loss", Colors.Blue, right: false);
        AddSeries(plot, epochs, history.Epochs.Select(e => e.TrainAccuracy), "train accuracy", Colors.Green, right: true);
        if (history.Epochs.Count > 0 && history.Epochs[0].ValidationLoss is not null)
        {
            AddSeries(plot, epochs, history.Epochs.Select(e => e.ValidationLoss ?? double.NaN), "validation loss", Colors.Orange, right: false);
            AddSeries(plot, epochs, history.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN), "validation accuracy", Colors.Red, right: true);
        }

        plot.ShowLegend();
        byte[] bytes = FormatOf(path) switch
        {
            ".svg" => System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(800, 500)),
            ".jpg" => plot.GetImageBytes(800, 500, ImageFormat.Jpeg),
            _ => plot.GetImageBytes(800, 500, ImageFormat.Png),
        };
        Nabla.IO.AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Throws unless <paramref name="path"/> names a PNG, JPEG or SVG file that can be written.</summary>
    public static void CheckPath(string path)
    {
        FormatOf(path);
        CliFiles.CheckWritable(path, "--plot");
    }

    private static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => ".png",
        ".svg" => ".svg",
        ".jpg" or ".jpeg" => ".jpg",
        string other => throw new UsageException($"--plot {path}: '{other}' is not a plot format; use .png, .jpg or .svg."),
    };

    private static void AddSeries(Plot plot, double[] xs, IEnumerable<double> ys, string label, Color color, bool right)
    {
        var series = plot.Add.Scatter(xs, ys.ToArray());
        series.LegendText = label;
        series.Color = color;
        if (right)
        {
            series.Axes.YAxis = plot.Axes.Right;
        }
    }
}
