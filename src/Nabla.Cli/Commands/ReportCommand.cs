using System.CommandLine;
using System.Globalization;
using Nabla.Cli.Report;
using Nabla.Serialization;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla report</c>: one self-contained HTML page of what a saved model learned and how well it does
/// (<see cref="ModelReport"/>).</summary>
internal static class ReportCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (from nabla train).", Required = true };
        var data = new Option<string?>("--data") { Description = "Labelled data to evaluate on: an MNIST-layout folder (its t10k files; default for image models: the built-in data/mnist-10k) or the CSV file of a CSV model. Without it a CSV model's report has no evaluation sections." };
        var output = new Option<string>("--out") { Description = "The HTML file to write.", DefaultValueFactory = _ => "report.html" };
        var command = new Command("report", "Write one self-contained HTML page about a saved model: training curves, classification report and confusion matrix (or predicted against actual), the most confident mistakes, first-layer weights, layers and settings.") { modelPath, data, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(modelPath)!, outPath = parse.GetValue(output)!;
            if (Path.GetExtension(outPath).ToLowerInvariant() is not (".html" or ".htm"))
            {
                throw new UsageException($"--out {outPath}: the report is an HTML page (name it .html).");
            }

            CliFiles.CheckWritable(outPath, "--out");
            var (model, metadata) = ModelFile.Load(path);
            string? source = ModelEvaluation.ResolveSource(metadata, parse.GetValue(data), required: false);
            ModelEvaluation? evaluation = source is null ? null : ModelEvaluation.Run(model, metadata, path, source);
            var sections = new List<string>();
            string html = ModelReport.Build(path, model, metadata, evaluation, sections);
            Nabla.IO.AtomicFile.WriteAllText(outPath, html);
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {outPath} ({html.Length / 1024} KB): {(sections.Count == 0 ? "the model and its settings" : string.Join(", ", sections))}."));
            return NablaCli.Success;
        });
        return command;
    }
}
