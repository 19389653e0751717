using System.CommandLine;
using Nabla.Cli.Images;
using Nabla.Cli.Report;
using Nabla.IO;
using Nabla.Serialization;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla weights</c>: what the first layer learned, as one PNG grid — each dense unit's weights laid out as
/// the input image, or each convolution kernel.</summary>
internal static class WeightsCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file.", Required = true };
        var output = new Option<string>("--out") { Description = "The PNG to write.", DefaultValueFactory = _ => "weights.png" };
        var command = new Command("weights", "Draw the first layer's weights as a grid of pictures (a dense layer on images: each unit as an image; a convolution: each kernel).")
        {
            modelPath, output,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"--out {path}: the weights are written as a PNG (give a .png name).");
            }

            CliFiles.CheckWritable(path, "--out");
            var (model, metadata) = ModelFile.Load(parse.GetValue(modelPath)!);
            LayerPictures pictures = WeightPictures.FirstLayer(model, ImageLayout.Of(model.InputShape, metadata))
                ?? throw new UsageException($"{parse.GetValue(modelPath)}: the first layer's weights are not pictures (a model on images whose first layer with weights is dense or a convolution).");
            int zoom = Math.Max(1, 56 / Math.Max(pictures.Height, pictures.Width));
            SheetCell[] cells = [.. pictures.Pictures.Select(p => new SheetCell(p.Rgba, p.Caption[0], p.Caption.Count > 1 ? p.Caption[1] : ""))];
            AtomicFile.WriteAllBytes(path, ContactSheet.Render(cells, pictures.Width, pictures.Height, zoom, pictures.Title + " (red: positive, blue: negative)"));
            console.Out.WriteLine($"Wrote {cells.Length} pictures of {pictures.Title.Replace("First layer: ", "", StringComparison.Ordinal)} to {path}.");
            return NablaCli.Success;
        });
        return command;
    }
}
