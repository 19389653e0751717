using Nabla.Data;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Data;

/// <summary>MNIST's own preprocessing for pictures of any size (issue 15).</summary>
public sealed class ImagePreprocessorTests
{
    /// <summary>Test digit <paramref name="index"/> as bytes 0..255 (28×28, light on dark).</summary>
    private static byte[] Digit(int index)
    {
        float[] pixels = new float[784];
        TestData.Mnist10k.Test.CopyFeatures([index], pixels);
        return pixels.Select(v => (byte)Math.Round(v * 255)).ToArray();
    }

    /// <summary>The digit enlarged <paramref name="zoom"/> times (nearest neighbour) onto a canvas, dark ink on paper
    /// of <paramref name="paper"/>, its frame's top left at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    private static byte[] OnPaper(byte[] digit, int zoom, int width, int height, int left, int top, byte paper)
    {
        var canvas = Enumerable.Repeat(paper, width * height).ToArray();
        for (int y = 0; y < 28 * zoom; y++)
        {
            for (int x = 0; x < 28 * zoom; x++)
            {
                int cx = left + x, cy = top + y;
                if (cx >= 0 && cy >= 0 && cx < width && cy < height)
                {
                    canvas[cy * width + cx] = (byte)(paper - digit[y / zoom * 28 + x / zoom] * paper / 255);
                }
            }
        }

        return canvas;
    }

    private static (double X, double Y) CenterOfMass(float[] image)
    {
        double sx = 0, sy = 0, mass = 0;
        for (int i = 0; i < image.Length; i++)
        {
            sx += image[i] * (i % 28 + 0.5);
            sy += image[i] * (i / 28 + 0.5);
            mass += image[i];
        }

        return (sx / mass, sy / mass);
    }

    private static byte[] Shift(byte[] image, int dx, int dy)
    {
        var shifted = new byte[784];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                int sx = x - dx, sy = y - dy;
                shifted[y * 28 + x] = sx is >= 0 and < 28 && sy is >= 0 and < 28 ? image[sy * 28 + sx] : (byte)0;
            }
        }

        return shifted;
    }

    private static double Correlation(float[] a, byte[] b)
    {
        double ma = a.Average(), mb = b.Average(v => (double)v);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }

        return ab / Math.Sqrt(aa * bb);
    }

    private static string Show(float[] image) => string.Join("\n", Enumerable.Range(0, 28).Select(y => new string(Enumerable.Range(0, 28).Select(x => image[y * 28 + x] > 170 ? '#' : image[y * 28 + x] > 60 ? '+' : '.').ToArray())));

    [Fact]
    public void Mnist_training_digits_measure_as_light_ink_in_a_20_pixel_box_centred_by_mass()
    {
        Assert.Equal(ImageStyle.Mnist, ImageStyle.Measure(TestData.Mnist10k.Train));
    }

    [Theory]
    [InlineData(0, 5, 11, 57)]
    [InlineData(1, 3, 150, 4)]
    [InlineData(7, 8, -20, 30)]
    public void A_digit_enlarged_off_centre_dark_on_paper_comes_back_as_mnist_had_it(int index, int zoom, int left, int top)
    {
        byte[] digit = Digit(index);
        int width = Math.Max(260, 28 * zoom + 40), height = Math.Max(200, 28 * zoom + 60);
        float[] prepared = ImagePreprocessor.Prepare(OnPaper(digit, zoom, width, height, left, top, paper: 222), [], width, height, ImageStyle.Mnist, 28, 28);
        // MNIST's own digits sit within a pixel or two of their centre of mass (integer shifts), so the picture
        // comes back as the digit up to such a shift.
        double best = Enumerable.Range(-2, 5).SelectMany(dy => Enumerable.Range(-2, 5).Select(dx => Correlation(prepared, Shift(digit, dx, dy)))).Max();
        Assert.True(best > 0.9, $"correlation {best}\n{Show(prepared)}\n{Show(digit.Select(v => (float)v).ToArray())}");
        var (cx, cy) = CenterOfMass(prepared);
        Assert.InRange(cx, 14.0, 15.0);
        Assert.InRange(cy, 14.0, 15.0);
        Assert.Equal(0f, prepared[0]);
    }

    [Fact]
    public void A_black_digit_on_a_transparent_background_is_the_same_as_on_white_paper()
    {
        byte[] digit = Digit(3);
        byte[] opaque = OnPaper(digit, 6, 200, 200, 10, 10, paper: 255);
        byte[] black = new byte[opaque.Length];
        byte[] alpha = opaque.Select(v => (byte)(255 - v)).ToArray();
        float[] fromAlpha = ImagePreprocessor.Prepare(black, alpha, 200, 200, ImageStyle.Mnist, 28, 28);
        float[] fromPaper = ImagePreprocessor.Prepare(opaque, [], 200, 200, ImageStyle.Mnist, 28, 28);
        Assert.True(fromAlpha.Max() > 200);
        for (int i = 0; i < fromAlpha.Length; i++)
        {
            Assert.True(Math.Abs(fromAlpha[i] - fromPaper[i]) <= 2, $"pixel {i}: {fromAlpha[i]} vs {fromPaper[i]}");
        }

        // White ink on a transparent background is composited over black instead.
        float[] fromWhite = ImagePreprocessor.Prepare(Enumerable.Repeat((byte)255, opaque.Length).ToArray(), alpha, 200, 200, ImageStyle.Mnist, 28, 28);
        Assert.True(fromWhite.Zip(fromPaper).All(p => Math.Abs(p.First - p.Second) <= 2));
    }

    [Fact]
    public void The_ink_box_keeps_its_aspect_ratio_and_fills_the_training_box()
    {
        // A vertical bar 12×150 on a 300×300 canvas: 20 pixels tall once prepared, under 3 wide, centred.
        var canvas = new byte[300 * 300];
        for (int y = 40; y < 190; y++)
        {
            for (int x = 200; x < 212; x++)
            {
                canvas[y * 300 + x] = 255;
            }
        }

        float[] prepared = ImagePreprocessor.Prepare(canvas, [], 300, 300, ImageStyle.Mnist, 28, 28);
        int[] rows = Enumerable.Range(0, 28).Where(y => Enumerable.Range(0, 28).Any(x => prepared[y * 28 + x] >= 128)).ToArray();
        int[] columns = Enumerable.Range(0, 28).Where(x => Enumerable.Range(0, 28).Any(y => prepared[y * 28 + x] >= 128)).ToArray();
        Assert.InRange(rows.Length, 19, 21);
        Assert.InRange(columns.Length, 1, 3);
        var (cx, cy) = CenterOfMass(prepared);
        Assert.InRange(cx, 14.0, 15.0);
        Assert.InRange(cy, 14.0, 15.0);
    }

    [Fact]
    public void Box_centring_dark_ink_styles_and_blank_pictures()
    {
        // An L: its box's centre, not its mass, goes to the middle.
        var canvas = Enumerable.Repeat((byte)255, 100 * 100).ToArray();
        for (int i = 20; i < 80; i++)
        {
            for (int t = 0; t < 6; t++)
            {
                canvas[i * 100 + 20 + t] = 0;
                canvas[(74 + t) * 100 + i] = 0;
            }
        }

        var style = new ImageStyle(LightInk: false, ImageCentering.BoundingBox, 26);
        float[] prepared = ImagePreprocessor.Prepare(canvas, [], 100, 100, style, 28, 28);
        Assert.Equal(255f, prepared[27]);
        int[] inked = Enumerable.Range(0, 784).Where(i => prepared[i] < 128).ToArray();
        Assert.InRange(inked.Min(i => i % 28), 0, 2);
        Assert.InRange(inked.Max(i => i % 28), 25, 27);
        Assert.InRange(inked.Min(i => i / 28), 0, 2);

        Assert.All(ImagePreprocessor.Prepare(Enumerable.Repeat((byte)90, 50 * 40).ToArray(), [], 50, 40, ImageStyle.Mnist, 28, 28), v => Assert.Equal(0f, v));
        Assert.All(ImagePreprocessor.Prepare([7], [], 1, 1, ImageStyle.Mnist, 28, 28), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void The_style_round_trips_through_its_metadata_text_and_is_read_strictly()
    {
        var style = new ImageStyle(false, ImageCentering.BoundingBox, 26);
        Assert.Equal(style, ImageStyle.Parse(style.ToMetadata(), 28));
        Assert.Equal("{\"ink\":\"light\",\"centering\":\"mass\",\"box\":\"20\"}", ImageStyle.Mnist.ToMetadata());
        foreach (string bad in new[]
        {
            "{\"ink\":\"grey\",\"centering\":\"mass\",\"box\":\"20\"}",
            "{\"ink\":\"light\",\"centering\":\"middle\",\"box\":\"20\"}",
            "{\"ink\":\"light\",\"centering\":\"mass\",\"box\":\"0\"}",
            "{\"ink\":\"light\",\"centering\":\"mass\",\"box\":\"29\"}",
            "{\"ink\":\"light\",\"centering\":\"mass\",\"box\":20}",
            "{\"ink\":\"light\",\"centering\":\"mass\",\"box\":\"20\",\"more\":\"1\"}",
            "{\"ink\":\"light\",\"ink\":\"dark\",\"centering\":\"mass\",\"box\":\"20\"}",
            "[1]",
            "{",
        })
        {
            Assert.Throws<FormatException>(() => ImageStyle.Parse(bad, 28));
        }
    }
}
