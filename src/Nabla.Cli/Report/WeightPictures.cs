using System.Globalization;
using Nabla.Cli.Images;
using Nabla.Layers;
using Nabla.Models;

namespace Nabla.Cli.Report;

/// <summary>One picture of a layer's weights and its caption lines.</summary>
internal sealed record WeightPicture(byte[] Rgba, int Width, int Height, IReadOnlyList<string> Caption)
{
    /// <summary>The picture as a PNG, at its own size.</summary>
    public byte[] Png => PngImages.Encode(Rgba, Width, Height, 1);
}

/// <summary>What a layer learned, as pictures of the same size: a title, a note on how to read them, the pictures.</summary>
internal sealed record LayerPictures(string Title, string Note, IReadOnlyList<WeightPicture> Pictures, int Width, int Height);

/// <summary>
/// Pictures of what the first layer learned, drawn by a painter per layer kind, looked up by its registry
/// <see cref="LayerType"/>. A dense layer on image inputs: each unit's weights laid out as the input picture. A kind
/// added later gets its pictures by one line in <see cref="s_painters"/>; a convolution's kernels are drawn by
/// <see cref="Kernels"/> from its [filters, channels, height, width] weight tensor (PyTorch's layout).
/// </summary>
internal static class WeightPictures
{
    /// <summary>At most this many units or filters are drawn.</summary>
    public const int Limit = 256;

    private static readonly Dictionary<LayerType, Func<Layer, ImageLayout, LayerPictures?>> s_painters = new()
    {
        [Dense.Definition] = DenseUnits,
        [Conv2D.Definition] = (layer, images) => layer is Conv2D conv && conv.Weight.Shape.ToArray() is [int f, int c, int kh, int kw]
            ? Kernels(layer, conv.Weight.Value, f, c, kh, kw)
            : null,
    };

    /// <summary>The pictures of the model's first layer with weights, or null when its kind has no painter or the
    /// inputs are not pictures.</summary>
    public static LayerPictures? FirstLayer(Sequential model, ImageLayout? images)
    {
        ArgumentNullException.ThrowIfNull(model);
        Layer? first = model.Layers.FirstOrDefault(l => l.Parameters.Count > 0);
        return first is not null && images is not null && s_painters.TryGetValue(first.Type, out var painter) ? painter(first, images) : null;
    }

    /// <summary>A dense layer right after the (reshaped) image input: unit u's weights W[:, u] as a picture of the input's
    /// shape (channels side by side).</summary>
    private static LayerPictures? DenseUnits(Layer layer, ImageLayout images)
    {
        var dense = (Dense)layer;
        int inputs = dense.Weight.Shape[0], units = dense.Units;
        if (inputs != images.Count || dense.InputShape.Rank != 1)
        {
            return null;
        }

        int shown = Math.Min(units, Limit), plane = images.Height * images.Width;
        var pictures = new List<WeightPicture>(shown);
        var unit = new float[images.Count];
        var laidOut = new float[images.Count];
        for (int u = 0; u < shown; u++)
        {
            for (int i = 0; i < inputs; i++)
            {
                unit[i] = dense.Weight.Value[i * units + u];
            }

            // channels first [c, y, x] → one row of pictures [y, c·width + x]
            for (int c = 0; c < images.Channels; c++)
            {
                for (int y = 0; y < images.Height; y++)
                {
                    for (int x = 0; x < images.Width; x++)
                    {
                        laidOut[y * images.Width * images.Channels + c * images.Width + x] = unit[c * plane + y * images.Width + x];
                    }
                }
            }

            float scale = unit.Max(Math.Abs);
            pictures.Add(new WeightPicture(PngImages.WeightsRgba(laidOut, images.Height, images.Width * images.Channels), images.Width * images.Channels, images.Height,
                [$"unit {u + 1}", "±" + scale.ToString("G2", CultureInfo.InvariantCulture)]));
        }

        string note = $"Each picture is one of the {units} units of {layer.Describe()}: its weight on every input pixel, laid out as the {images.Height}×{images.Width} input" +
            (images.Channels > 1 ? $" ({images.Channels} channels side by side)" : "") +
            ". Red pixels raise the unit's output, blue ones lower it, white ones do not matter; each picture is scaled to its own largest weight (±, under it)." +
            " Weights on pixels that are never lit (the border of a digit) get no gradient and keep their random initial values: that is the speckle; a picture that is speckle all over, at the initial scale, is a unit that never learned (a ReLU that never turned on)." +
            (shown < units ? $" The first {shown} are shown." : "");
        return new LayerPictures($"First layer: {units} dense units", note, pictures, images.Width * images.Channels, images.Height);
    }

    /// <summary>Pictures of a convolution's kernels, weights [filters, channels, height, width]: one picture per filter,
    /// its channels side by side, all on one colour scale (kernels are compared with each other).</summary>
    public static LayerPictures Kernels(Layer layer, float[] weights, int filters, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(weights);
        float limit = weights.Max(Math.Abs);
        int shown = Math.Min(filters, Limit), size = channels * height * width;
        var pictures = new List<WeightPicture>(shown);
        var laidOut = new float[size];
        for (int f = 0; f < shown; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        laidOut[y * width * channels + c * width + x] = weights[f * size + (c * height + y) * width + x];
                    }
                }
            }

            pictures.Add(new WeightPicture(PngImages.WeightsRgba(laidOut, height, width * channels, limit), width * channels, height, [$"filter {f + 1}"]));
        }

        return new LayerPictures($"First layer: {filters} {height}×{width} kernels of {layer.Describe()}",
            $"Each picture is one filter's kernel{(channels > 1 ? $" ({channels} input channels side by side)" : "")}; red weights raise the output, blue ones lower it, on one scale (±{limit.ToString("G2", CultureInfo.InvariantCulture)}) for all.",
            pictures, width * channels, height);
    }
}
