using System.CommandLine;
using Nabla.Data;
using Nabla.Onnx;
using Nabla.Serialization;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla export</c>: a saved model as an ONNX file that takes raw inputs and gives what predict gives
/// (<see cref="OnnxExporter"/>).</summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file (from nabla train).", Required = true };
        var format = new Option<string>("--format") { Description = "The format to write: onnx.", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--out") { Description = "The file to write (e.g. model.onnx).", Required = true };
        var command = new Command("export", $"Write a saved model as ONNX (opset {OnnxExporter.Opset}), preprocessing and output transform included: it takes raw inputs and gives what nabla predict gives.") { modelPath, format, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(modelPath)!, outPath = parse.GetValue(output)!, kind = parse.GetValue(format)!;
            if (!kind.Equals("onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"--format {kind}: the formats are onnx.");
            }

            CliFiles.CheckWritable(outPath, "--out");
            var (model, metadata) = ModelFile.Load(path);
            OnnxExporter.Save(outPath, model, metadata);
            string shape = string.Join(", ", model.InputShape.ToArray());
            string outputs = metadata.Task switch
            {
                TaskKind.Regression when metadata.Forecast is { } f => $"'{OnnxExporter.OutputName}' [batch, {f.Horizon}] the next {f.Horizon} value(s) of {metadata.TargetName} in its units (the input: a window of {f.Window} steps of {string.Join(", ", f.Columns)})",
                TaskKind.Text => $"'{OnnxExporter.OutputName}' [batch, {model.OutputShape[0]}, {model.OutputShape[1]}] the next character's probabilities at every step and '{OnnxExporter.LabelName}' [batch, {model.OutputShape[0]}] the likeliest (the input: token ids as floats; the vocabulary is in the metadata's class_names)",
                TaskKind.Regression => $"'{OnnxExporter.OutputName}' [batch, {model.OutputShape.Count}] in the target's units",
                TaskKind.Binary => $"'{OnnxExporter.OutputName}' [batch, 1] P({metadata.ClassNames[1]}) and '{OnnxExporter.LabelName}' [batch] the class index",
                _ => $"'{OnnxExporter.OutputName}' [batch, {model.OutputShape.Count}] class probabilities and '{OnnxExporter.LabelName}' [batch] the class index",
            };
            console.Out.WriteLine($"Wrote {outPath} (ONNX, opset {OnnxExporter.Opset}): input '{OnnxExporter.InputName}' [batch, {shape}] of raw values; outputs {outputs}.");
            return NablaCli.Success;
        });
        return command;
    }
}
