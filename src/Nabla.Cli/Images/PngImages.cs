using System.Runtime.InteropServices;
using SkiaSharp;

namespace Nabla.Cli.Images;

/// <summary>Samples and weights as PNG images (SkiaSharp), enlarged by whole pixels so that small digits stay sharp.</summary>
internal static class PngImages
{
    /// <summary>A sample as a picture: gray for one channel, RGB for three, each raw value × the layout's scale as
    /// brightness (clamped to [0, 1]).</summary>
    public static byte[] Sample(ReadOnlySpan<float> raw, ImageLayout layout, int zoom) =>
        Encode(Rgba(raw, layout), layout.Width, layout.Height, zoom);

    /// <summary>The RGBA bytes of <see cref="Sample"/>'s picture, row by row.</summary>
    public static byte[] Rgba(ReadOnlySpan<float> raw, ImageLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        int plane = layout.Height * layout.Width;
        var rgba = new byte[plane * 4];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                float brightness = raw[(layout.Channels == 3 ? c * plane : 0) + p] * layout.Scale;
                rgba[4 * p + c] = (byte)Math.Clamp(MathF.Round(brightness * 255f), 0, 255);
            }

            rgba[4 * p + 3] = 255;
        }

        return rgba;
    }

    /// <summary>
    /// A grid of weights [height, width] in a diverging map: negative blue, zero white, positive red, with full colour at
    /// ±<paramref name="limit"/> (the largest magnitude when null), so that a unit's pattern shows whatever its scale.
    /// </summary>
    public static byte[] Weights(ReadOnlySpan<float> values, int height, int width, int zoom, float? limit = null) =>
        Encode(WeightsRgba(values, height, width, limit), width, height, zoom);

    /// <summary>The RGBA rows of <see cref="Weights"/> (for drawing on a sheet).</summary>
    public static byte[] WeightsRgba(ReadOnlySpan<float> values, int height, int width, float? limit = null)
    {
        float max = limit ?? 0f;
        if (limit is null)
        {
            foreach (float v in values)
            {
                max = Math.Max(max, Math.Abs(v));
            }
        }

        max = max > 0 && float.IsFinite(max) ? max : 1f;
        var rgba = new byte[height * width * 4];
        for (int p = 0; p < height * width; p++)
        {
            var (r, g, b) = Diverging(Math.Clamp(values[p] / max, -1f, 1f));
            (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = (r, g, b, 255);
        }

        return rgba;
    }

    /// <summary>t in [−1, 1] → blue (#2166ac) … white … red (#b2182b), linear in each half.</summary>
    public static (byte R, byte G, byte B) Diverging(float t)
    {
        (float r, float g, float b) end = t < 0 ? (0x21, 0x66, 0xac) : (0xb2, 0x18, 0x2b);
        float a = Math.Abs(t);
        return ((byte)MathF.Round(255 + (end.r - 255) * a), (byte)MathF.Round(255 + (end.g - 255) * a), (byte)MathF.Round(255 + (end.b - 255) * a));
    }

    /// <summary>"data:image/png;base64,…": the image inside an HTML page, which then needs no other file.</summary>
    public static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    /// <summary>Decodes RGBA rows into a bitmap (the caller draws on it).</summary>
    public static SKBitmap Bitmap(ReadOnlySpan<byte> rgba, int width, int height, int zoom)
    {
        int w = width * zoom, h = height * zoom;
        var pixels = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                rgba.Slice(((y / zoom) * width + x / zoom) * 4, 4).CopyTo(pixels.AsSpan((y * w + x) * 4, 4));
            }
        }

        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }

    /// <summary>PNG bytes of a bitmap.</summary>
    public static byte[] Encode(SKBitmap bitmap)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        using SKImage image = SKImage.FromBitmap(bitmap);
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    public static byte[] Encode(byte[] rgba, int width, int height, int zoom)
    {
        using SKBitmap bitmap = Bitmap(rgba, width, height, Math.Max(1, zoom));
        return Encode(bitmap);
    }
}
