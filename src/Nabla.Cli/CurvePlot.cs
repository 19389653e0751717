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
        string full = Path.GetFullPath(path);
        string extension = Path.GetExtension(full).ToLowerInvariant();
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.tmp{extension}");
        if (extension == ".svg")
        {
            plot.SaveSvg(temporary, 800, 500);
        }
        else
        {
            plot.SavePng(temporary, 800, 500);
        }

        File.Move(temporary, full, overwrite: true);
    }

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
