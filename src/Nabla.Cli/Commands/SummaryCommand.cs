using System.CommandLine;
using System.Globalization;
using Nabla.Layers;
using Nabla.Serialization;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla summary</c>: a Keras-style table of a saved model's layers.</summary>
internal static class SummaryCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file.", Required = true };
        var command = new Command("summary", "Show a saved model's layers, output shapes and parameter counts.") { modelPath };
        command.SetAction(parse =>
        {
            var (model, metadata) = ModelFile.Load(parse.GetValue(modelPath)!);
            var table = new Table().AddColumn("Layer (type)").AddColumn("Output shape").AddColumn(new TableColumn("Param #").RightAligned());
            table.AddRow(Markup.Escape("input"), Markup.Escape($"(None, {string.Join(", ", model.InputShape.ToArray())})"), "0");
            foreach (Layer layer in model.Layers)
            {
                long count = layer.Parameters.Sum(p => (long)p.Shape.Count);
                table.AddRow(Markup.Escape(layer.Describe()), Markup.Escape($"(None, {string.Join(", ", layer.OutputShape.ToArray())})"), count.ToString("N0", CultureInfo.InvariantCulture));
            }

            var ansi = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(console.Out),
                Ansi = console.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = console.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            });
            ansi.Write(table);
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total params: {model.ParameterCount:N0}"));
            string output = metadata.Forecast is { } forecast
                ? $"forecast of '{metadata.TargetName}' for the next {forecast.Horizon} step(s) from windows of {forecast.Window} (columns: {string.Join(", ", forecast.Columns)}{(forecast.DateColumn is null ? "" : $"; dates: {forecast.DateColumn}")})"
                : metadata.Task switch
            {
                Nabla.Data.TaskKind.Text => $"the next character at every step, softmax over {metadata.ClassNames.Count} tokens (the line boundary and {metadata.ClassNames.Count - 1} characters)",
                Nabla.Data.TaskKind.Regression => $"regression of '{metadata.TargetName}' (linear output, standardized target)",
                Nabla.Data.TaskKind.Binary => $"binary classification ({string.Join(" / ", metadata.ClassNames)}), sigmoid",
                _ => $"{model.OutputTransform.ToString().ToLowerInvariant()} over {metadata.ClassNames.Count} classes",
            };
            string inputs = metadata.Task == Nabla.Data.TaskKind.Text ? $"lines as {model.InputShape[0]} token ids (the longest line + 1)"
                : metadata.Forecast is { } f ? $"windows of {f.Window} steps × {f.Columns.Count} column(s), {metadata.Scaler?.Kind.ToString().ToLowerInvariant()} scaling"
                : metadata.FeatureNames is null ? $"{model.InputShape.Count} pixels scaled by {metadata.InputScale:G4}"
                : metadata.Preprocessor is { } p ? $"{p.Columns.Count} columns → {p.OutputWidth} inputs ({(p.RefuseMissing ? "missing cells refused" : "missing cells imputed")}; missing markers: {string.Join(" ", p.MissingValues.Prepend("(empty)"))})"
                : $"{metadata.FeatureNames.Count} columns ({string.Join(", ", metadata.FeatureNames.Take(6))}{(metadata.FeatureNames.Count > 6 ? ", …" : "")}), {metadata.Scaler?.Kind.ToString().ToLowerInvariant()} scaling";
            console.Out.WriteLine($"Input: {inputs}.");
            console.Out.WriteLine($"Output: {output}; loss {metadata.Loss}.");
            if (metadata.Preprocessor is { } preprocessor)
            {
                // The preprocessing per column, fitted on the training part and applied again at prediction.
                var columns = new Table().AddColumn("Column").AddColumn("Preprocessing (fitted on the training part)");
                foreach (var (column, description) in preprocessor.Describe())
                {
                    columns.AddRow(Markup.Escape(column), Markup.Escape(description));
                }

                ansi.Write(columns);
            }
            return NablaCli.Success;
        });
        return command;
    }
}
