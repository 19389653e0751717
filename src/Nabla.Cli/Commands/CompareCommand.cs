using System.CommandLine;
using System.Globalization;
using Nabla.Serialization;
using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla compare</c>: several trained models' curves on one plot (SGD, momentum, RMSProp and Adam side by
/// side; with and without dropout), from the training history each model file keeps, and a table of their last epochs.</summary>
internal static class CompareCommand
{
    private static readonly string[] s_metrics = ["loss", "accuracy", "val_loss", "val_accuracy"];

    public static Command Create(CliConsole console)
    {
        var models = new Option<string[]>("--model") { Description = "The model files (two or more; each keeps its training history).", Required = true, AllowMultipleArgumentsPerToken = true };
        var labels = new Option<string[]>("--label") { Description = "A name per model for the legend (default: the file names).", AllowMultipleArgumentsPerToken = true };
        var metric = new Option<string>("--metric") { Description = "What to draw per epoch: " + string.Join(", ", s_metrics) + ".", DefaultValueFactory = _ => "loss" };
        var output = new Option<string>("--out") { Description = "The plot: a .png, .jpg or .svg file.", DefaultValueFactory = _ => "compare.png" };
        var command = new Command("compare", "Draw several models' training curves on one plot, from the histories their files keep.") { models, labels, metric, output };
        command.SetAction(parse =>
        {
            string[] paths = parse.GetValue(models) ?? [];
            string[] names = parse.GetValue(labels) ?? [];
            string what = parse.GetValue(metric)!;
            string path = parse.GetValue(output)!;
            if (!s_metrics.Contains(what))
            {
                throw new UsageException($"--metric must be one of {string.Join(", ", s_metrics)}, got '{what}'.");
            }

            if (names.Length > 0 && names.Length != paths.Length)
            {
                throw new UsageException($"--label gives {names.Length} names for {paths.Length} models.");
            }

            CurvePlot.CheckPath(path, "--out");
            var runs = new List<(string Name, TrainingHistory History)>();
            for (int i = 0; i < paths.Length; i++)
            {
                TrainingHistory history = ModelFile.Load(paths[i]).Metadata.History
                    ?? throw new UsageException($"{paths[i]}: the model file keeps no training history (written by an older nabla?).");
                runs.Add((names.Length > 0 ? names[i] : Path.GetFileNameWithoutExtension(paths[i]), history));
            }

            var plot = new Plot();
            Plots.Style(plot);
            plot.Title($"{what} per epoch");
            plot.XLabel("epoch");
            plot.YLabel(what);
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            var palette = new ScottPlot.Palettes.Category10();
            for (int i = 0; i < runs.Count; i++)
            {
                double[] epochs = runs[i].History.Epochs.Select(e => (double)e.Epoch).ToArray();
                double[] values = runs[i].History.Epochs.Select(e => e.Metrics().GetValueOrDefault(what, double.NaN)).ToArray();
                var series = plot.Add.Scatter(epochs, values);
                series.LegendText = runs[i].Name;
                series.Color = palette.GetColor(i);
                series.LineWidth = 2;
                series.MarkerSize = epochs.Length > 60 ? 0 : 5;
            }

            plot.ShowLegend(Edge.Bottom);
            byte[] bytes = CurvePlot.FormatOf(path, "--out") switch
            {
                ".svg" => System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(800, 500)),
                ".jpg" => plot.GetImageBytes(800, 500, ImageFormat.Jpeg),
                _ => plot.GetImageBytes(800, 500, ImageFormat.Png),
            };
            Nabla.IO.AtomicFile.WriteAllBytes(path, bytes);
            int width = Math.Max(5, runs.Max(r => r.Name.Length));
            console.Out.WriteLine($"{"model".PadRight(width)}  epochs  {string.Join("  ", s_metrics.Select(m => m.PadLeft(12)))}");
            foreach (var (name, history) in runs)
            {
                var last = history.Epochs.Count > 0 ? history.Epochs[^1].Metrics() : [];
                console.Out.WriteLine($"{name.PadRight(width)}  {history.Epochs.Count,6}  {string.Join("  ", s_metrics.Select(m => (last.TryGetValue(m, out double v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "—").PadLeft(12)))}");
            }

            console.Out.WriteLine($"Wrote the {what} curves of {runs.Count} models to {path}.");
            return NablaCli.Success;
        });
        return command;
    }
}
