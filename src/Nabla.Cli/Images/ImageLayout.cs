using System.Globalization;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli.Images;

/// <summary>
/// How a model's input samples are pictures: channels (1 gray or 3 colour, channels first as the model holds them),
/// height, width, and the factor that maps a raw value to brightness in [0, 1] (the model's 1/255 for IDX pixels).
/// </summary>
/// <param name="Channels">1 (gray) or 3 (RGB planes).</param>
/// <param name="Height">Rows of pixels.</param>
/// <param name="Width">Columns of pixels.</param>
/// <param name="Scale">Raw value × scale = brightness in [0, 1].</param>
internal sealed record ImageLayout(int Channels, int Height, int Width, float Scale)
{
    /// <summary>Values per sample.</summary>
    public int Count => Channels * Height * Width;

    /// <summary>The layout of <paramref name="inputShape"/> samples, or null when they are not pictures: [C, H, W] with
    /// C = 1 or 3, [H, W], or a square flat row — of an image model, or of a CSV with Kaggle's pixel0…pixelN columns
    /// (raw 0..255).</summary>
    public static ImageLayout? Of(Shape inputShape, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(metadata);
        float scale = metadata.InputScale;
        if (metadata.FeatureNames is { } names)
        {
            bool pixels = names.Count > 0 && names.Select((n, i) => n == "pixel" + i.ToString(CultureInfo.InvariantCulture)).All(b => b);
            if (!pixels)
            {
                return null;
            }

            scale = 1f / 255;
        }

        int[] d = inputShape.ToArray();
        return d switch
        {
            [1 or 3, int h, int w] when h > 1 && w > 1 => new ImageLayout(d[0], h, w, scale),
            [int h, int w] when h > 1 && w > 1 => new ImageLayout(1, h, w, scale),
            [int n] when Square(n) is { } side => new ImageLayout(1, side, side, scale),
            _ => null,
        };
    }

    private static int? Square(int n)
    {
        int side = (int)Math.Round(Math.Sqrt(n));
        return side > 1 && side * side == n ? side : null;
    }
}
