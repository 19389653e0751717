using System.Globalization;
using System.Runtime.InteropServices;
using Nabla.Data;
using SkiaSharp;

namespace Nabla.RealWorld;

/// <summary>One generated picture: its file, the true digit, and how it was made.</summary>
/// <param name="Path">The PNG or JPEG file.</param>
/// <param name="Label">The digit it shows.</param>
/// <param name="TestIndex">Which MNIST test digit it was made from.</param>
/// <param name="Description">Size, canvas, polarity, blur, format: e.g. "ink 140px on 310×260, dark on 214, blur 1.2, jpeg 80".</param>
public sealed record DigitPhoto(string Path, int Label, int TestIndex, string Description);

/// <summary>
/// Pictures of digits as people photograph, scan or draw them, made from MNIST test digits: each digit's 28×28 frame
/// enlarged (bicubic) so that its 20-pixel box becomes 70–220 px, on a canvas of up to 400×400 at a random place,
/// blurred (σ up to 2.5 px), in one of four looks — dark ink on paper of a random shade (half of them), coloured ink
/// (a blue or red pen) on tinted paper, light ink on a dark board, or black ink on a transparent background (RGBA) —
/// with a little sensor noise, saved as PNG or JPEG (quality 60–95; never for the transparent ones). Everything
/// follows from the seed.
/// </summary>
public static class DigitPhotos
{
    /// <summary>Writes <paramref name="count"/> pictures to <paramref name="folder"/> (and labels.csv: file,label,
    /// test_index,description) and returns them.</summary>
    public static IReadOnlyList<DigitPhoto> Generate(Dataset test, string folder, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(test);
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var photos = new List<DigitPhoto>(count);
        int[] labels = test.RequireLabels();
        float[] pixels = new float[test.FeatureCount];
        for (int i = 0; i < count; i++)
        {
            int index = random.Next(test.Count);
            test.CopyFeatures([index], pixels);
            var (bytes, extension, description) = Render(pixels, random);
            string path = System.IO.Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D4}_{labels[index]}.{extension}"));
            File.WriteAllBytes(path, bytes);
            photos.Add(new DigitPhoto(path, labels[index], index, description));
        }

        File.WriteAllLines(System.IO.Path.Combine(folder, "labels.csv"),
            photos.Select(p => string.Create(CultureInfo.InvariantCulture, $"{System.IO.Path.GetFileName(p.Path)},{p.Label},{p.TestIndex},\"{p.Description}\"")).Prepend("file,label,test_index,description"));
        return photos;
    }

    /// <summary>One picture of the 28×28 digit <paramref name="digit"/> (values in [0, 1], light on dark).</summary>
    public static (byte[] Bytes, string Extension, string Description) Render(ReadOnlySpan<float> digit, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int ink = random.Next(70, 221);                         // the 20-pixel box becomes this many pixels
        float frame = ink * 28f / 20f;
        int width = random.Next(Math.Min(400, ink + 30), 401), height = random.Next(Math.Min(400, ink + 30), 401);
        // The frame's box (4..24 of 28) stays inside the canvas; the frame itself may not.
        float box0 = frame * 4 / 28, boxSize = ink;
        float left = (float)(random.NextDouble() * (width - boxSize) - box0), top = (float)(random.NextDouble() * (height - boxSize) - box0);
        float blur = (float)(random.NextDouble() * 2.5);
        int look = random.Next(10);                              // 0-4 pencil on paper, 5-6 pen, 7-8 chalk on a board, 9 transparent
        SKColor background, inkColor;
        string kind;
        if (look < 5)
        {
            byte paper = (byte)random.Next(150, 256), pencil = (byte)random.Next(0, 90);
            (background, inkColor, kind) = (new SKColor(paper, paper, paper), new SKColor(pencil, pencil, pencil), $"dark {pencil} on {paper}");
        }
        else if (look < 7)
        {
            byte paper = (byte)random.Next(190, 256);
            background = new SKColor(paper, (byte)(paper - random.Next(0, 20)), (byte)(paper - random.Next(0, 40)));
            inkColor = random.Next(2) == 0 ? new SKColor(20, 40, (byte)random.Next(120, 200)) : new SKColor((byte)random.Next(150, 220), 20, 30);
            kind = $"pen {inkColor} on {background}";
        }
        else if (look < 9)
        {
            byte board = (byte)random.Next(0, 90), chalk = (byte)random.Next(190, 256);
            (background, inkColor, kind) = (new SKColor(board, (byte)Math.Min(255, board + 20), board), new SKColor(chalk, chalk, chalk), $"light {chalk} on {board}");
        }
        else
        {
            (background, inkColor, kind) = (SKColors.Transparent, new SKColor(0, 0, 0), "black on transparent");
        }

        using var mask = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Alpha8, SKAlphaType.Premul));
        byte[] alpha = new byte[28 * 28];
        for (int i = 0; i < alpha.Length; i++)
        {
            alpha[i] = (byte)Math.Clamp(MathF.Round(digit[i] * 255), 0, 255);
        }

        Marshal.Copy(alpha, 0, mask.GetPixels(), alpha.Length);
        using var maskImage = SKImage.FromBitmap(mask);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(background);
        using (var paint = new SKPaint { Color = inkColor, IsAntialias = true })
        {
            if (blur > 0.05f)
            {
                paint.ImageFilter = SKImageFilter.CreateBlur(blur, blur);
            }

            canvas.DrawImage(maskImage, SKRect.Create(left, top, frame, frame), new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        }

        using SKImage image = surface.Snapshot();
        using SKBitmap bitmap = SKBitmap.FromImage(image);
        bool transparent = background.Alpha == 0;
        AddNoise(bitmap, random, transparent);
        bool jpeg = !transparent && random.Next(10) < 4;
        int quality = random.Next(60, 96);
        using SKData data = bitmap.Encode(jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, jpeg ? quality : 100);
        string description = string.Create(CultureInfo.InvariantCulture,
            $"ink {ink}px on {width}x{height}, {kind}, blur {blur:F1}, {(jpeg ? $"jpeg {quality}" : "png")}");
        return (data.ToArray(), jpeg ? "jpg" : "png", description);
    }

    /// <summary>Gaussian-ish sensor noise of up to ±6 grey levels on opaque pictures.</summary>
    private static void AddNoise(SKBitmap bitmap, Random random, bool transparent)
    {
        if (transparent)
        {
            return;
        }

        int amount = random.Next(0, 7);
        if (amount == 0)
        {
            return;
        }

        byte[] pixels = bitmap.Bytes;
        for (int i = 0; i < pixels.Length; i += 4)
        {
            int n = (int)Math.Round((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * amount);
            for (int c = 0; c < 3; c++)
            {
                pixels[i + c] = (byte)Math.Clamp(pixels[i + c] + n, 0, 255);
            }
        }

        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
    }
}
