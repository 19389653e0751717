using System.CommandLine;
using System.Globalization;
using Nabla.Data;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;
using StbImageSharp;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla predict</c>: the predicted class and the probabilities for each sample of an input file.</summary>
internal static class PredictCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file.", Required = true };
        var input = new Option<string>("--input") { Description = "An IDX image file (.gz or raw), a PNG/JPEG image, or a CSV file with one sample of raw values (0..255) per row.", Required = true };
        var limit = new Option<int>("--limit") { Description = "Show at most this many samples.", DefaultValueFactory = _ => 20 };
        var command = new Command("predict", "Predict classes for images or rows with a saved model.") { modelPath, input, limit };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(input)!;
            var (model, metadata) = ModelFile.Load(parse.GetValue(modelPath)!);
            Tensor samples = ReadInput(path, model.InputShape.Count, metadata.InputScale);
            Tensor probabilities = model.PredictProbabilities(samples);
            int classes = probabilities.RowLength;
            int shown = Math.Min(samples.Rows, Math.Max(1, parse.GetValue(limit)));
            for (int i = 0; i < shown; i++)
            {
                ReadOnlySpan<float> p = probabilities.Row(i);
                int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(p);
                string all = string.Join(" ", Enumerable.Range(0, classes).Select(k => string.Create(CultureInfo.InvariantCulture, $"{metadata.ClassNames[k]}:{probabilities.Row(i)[k]:F3}")));
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i}: {metadata.ClassNames[best]} ({p[best]:F3})  {all}"));
            }

            if (shown < samples.Rows)
            {
                console.Out.WriteLine($"... {samples.Rows - shown} more (use --limit).");
            }

            return NablaCli.Success;
        });
        return command;
    }

    private static Tensor ReadInput(string path, int features, float scale)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path}: file not found.");
        }

        string extension = Path.GetExtension(path).ToLowerInvariant();
        Tensor samples = extension switch
        {
            ".png" or ".jpg" or ".jpeg" or ".bmp" => ReadImage(path, features, scale),
            ".csv" or ".txt" => ReadCsv(path, features, scale),
            _ => Mnist.ReadImages(path),
        };

        if (samples.RowLength != features)
        {
            throw new UsageException($"{path}: samples have {samples.RowLength} values but the model takes {features}.");
        }

        return samples;
    }

    /// <summary>A grayscale image resized to the model's square input (bilinear). MNIST digits are light on dark; an
    /// image that is mostly light (dark ink on paper) is inverted to match.</summary>
    private static Tensor ReadImage(string path, int features, float scale)
    {
        int side = (int)Math.Round(Math.Sqrt(features));
        if (side * side != features)
        {
            throw new UsageException($"{path}: the model takes {features} values, not a square image.");
        }

        ImageResult image;
        try
        {
            using var stream = File.OpenRead(path);
            image = ImageResult.FromStream(stream, ColorComponents.Grey);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            throw new UsageException($"{path}: not a readable PNG/JPEG image ({ex.Message}).", ex);
        }

        var pixels = new float[features];
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                double sx = (x + 0.5) * image.Width / side - 0.5, sy = (y + 0.5) * image.Height / side - 0.5;
                int x0 = Math.Clamp((int)Math.Floor(sx), 0, image.Width - 1), y0 = Math.Clamp((int)Math.Floor(sy), 0, image.Height - 1);
                int x1 = Math.Min(x0 + 1, image.Width - 1), y1 = Math.Min(y0 + 1, image.Height - 1);
                double fx = Math.Clamp(sx - x0, 0, 1), fy = Math.Clamp(sy - y0, 0, 1);
                double top = image.Data[y0 * image.Width + x0] * (1 - fx) + image.Data[y0 * image.Width + x1] * fx;
                double bottom = image.Data[y1 * image.Width + x0] * (1 - fx) + image.Data[y1 * image.Width + x1] * fx;
                pixels[y * side + x] = (float)(top * (1 - fy) + bottom * fy);
            }
        }

        if (pixels.Average() > 127.5)
        {
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = 255f - pixels[i];
            }
        }

        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] *= scale;
        }

        return new Tensor(pixels, new Shape(1, features));
    }

    /// <summary>Rows of raw values (0..255 for pixels), comma-separated; a first row that is not numeric is a header.</summary>
    private static Tensor ReadCsv(string path, int features, float scale)
    {
        var rows = new List<float[]>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] cells = line.Split(',');
            var values = new float[cells.Length];
            bool numeric = true;
            for (int j = 0; j < cells.Length && numeric; j++)
            {
                numeric = float.TryParse(cells[j], NumberStyles.Float, CultureInfo.InvariantCulture, out values[j]) && float.IsFinite(values[j]);
                if (!numeric && !(lineNumber == 1 && rows.Count == 0))
                {
                    throw new UsageException($"{path}: line {lineNumber}, column {j + 1}: '{cells[j]}' is not a finite number.");
                }
            }

            if (!numeric)
            {
                continue;
            }

            if (values.Length != features)
            {
                throw new UsageException($"{path}: line {lineNumber} has {values.Length} values but the model takes {features}.");
            }

            rows.Add(values);
        }

        if (rows.Count == 0)
        {
            throw new UsageException($"{path}: no data rows.");
        }

        var samples = new Tensor(rows.Count, features);
        for (int i = 0; i < rows.Count; i++)
        {
            for (int j = 0; j < features; j++)
            {
                samples[i, j] = rows[i][j] * scale;
            }
        }

        return samples;
    }
}
