using System.CommandLine;
using System.Globalization;
using Nabla.Cli.Report;
using Nabla.Data;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla report</c>: one self-contained HTML page of what a saved model learned and how well it does
/// (<see cref="ModelReport"/>).</summary>
internal static class ReportCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (from nabla train), or a checkpoint folder (train --checkpoint): the run so far.", Required = true };
        var data = new Option<string?>("--data") { Description = "Labelled data to evaluate on: an MNIST-layout folder (its t10k files) or a CSV file with the model's columns (default: the test part of the data the model was trained on, as its file records it; without that the report has no evaluation sections)." };
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
            // A checkpoint folder (train --checkpoint) reports the run so far: its model and the epochs it recorded.
            var (model, metadata) = Directory.Exists(path) ? FromCheckpoint(path) : ModelFile.Load(path);
            bool sequence = metadata.Forecast is not null || metadata.Task == TaskKind.Text;
            if (sequence && parse.GetValue(data) is { } given)
            {
                throw new UsageException($"--data {given}: {path} is a {(metadata.Forecast is not null ? "forecasting" : "language")} model, whose test figures nabla train reports (next to the {(metadata.Forecast is not null ? "naive baselines" : "bigram baseline")}); its report shows the curves, layers and settings without --data.");
            }

            EvaluationData? chosen = sequence ? null : Choose(parse.GetValue(data), model, metadata, path, console);
            if (chosen?.Note is not null)
            {
                console.Error.WriteLine($"nabla: note: {chosen.Note}");
            }

            ModelEvaluation? evaluation = chosen is null ? null : ModelEvaluation.Run(model, metadata, path, chosen);
            var sections = new List<string>();
            string html = ModelReport.Build(path, model, metadata, evaluation, sections);
            Nabla.IO.AtomicFile.WriteAllText(outPath, html);
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {outPath} ({html.Length / 1024} KB): {(sections.Count == 0 ? "the model and its settings" : string.Join(", ", sections))}."));
            return NablaCli.Success;
        });
        return command;
    }

    /// <summary>The given data, else the test part of the training data; when that is not to be had, null and a note
    /// saying why (the report then shows the model without evaluation sections).</summary>
    private static EvaluationData? Choose(string? given, Nabla.Models.Sequential model, ModelMetadata metadata, string path, CliConsole console)
    {
        if (given is not null)
        {
            return EvaluationSource.Choose(given, model, metadata, path);
        }

        try
        {
            return EvaluationSource.Choose(null, model, metadata, path);
        }
        catch (UsageException ex)
        {
            console.Error.WriteLine($"nabla: note: the report has no evaluation sections: {ex.Message}");
            return null;
        }
    }

    private static (Sequential Model, ModelMetadata Metadata) FromCheckpoint(string folder)
    {
        Checkpoint.Data checkpoint = Checkpoint.Load(folder);
        return (checkpoint.Model, checkpoint.Metadata with { History = Checkpoint.History(checkpoint) });
    }
}
