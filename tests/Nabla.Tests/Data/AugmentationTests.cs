using Nabla.Data;
using Nabla.Tensors;

namespace Nabla.Tests.Data;

/// <summary>The image distortions: the transform's geometry, the draws' reproducibility, and the option's parsing.</summary>
public sealed class AugmentationTests
{
    private static float[] Image(int c, int h, int w) => Enumerable.Range(0, c * h * w).Select(i => (i * 7919 % 97) / 97f).ToArray();

    [Fact]
    public void The_identity_transform_copies_the_image_exactly()
    {
        float[] image = Image(2, 5, 7), output = new float[image.Length];
        ImageAugmentation.Transform(image, 2, 5, 7, 0, 0, 0, 1, output);
        Assert.Equal(image, output);
    }

    [Fact]
    public void A_whole_pixel_shift_moves_every_channel_and_fills_with_zeros()
    {
        const int c = 2, h = 6, w = 8;
        float[] image = Image(c, h, w), output = new float[image.Length];
        ImageAugmentation.Transform(image, c, h, w, tx: 2, ty: -1, angle: 0, zoom: 1, output);
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int sx = x - 2, sy = y + 1;
                    float expected = sx >= 0 && sx < w && sy >= 0 && sy < h ? image[(ch * h + sy) * w + sx] : 0f;
                    Assert.Equal(expected, output[(ch * h + y) * w + x], 5);
                }
            }
        }
    }

    [Fact]
    public void A_quarter_turn_of_a_square_image_moves_pixels_about_the_centre()
    {
        const int n = 5;
        float[] image = Image(1, n, n), output = new float[image.Length];
        ImageAugmentation.Transform(image, 1, n, n, 0, 0, MathF.PI / 2, 1, output);
        // output (y, x) reads the input at R(−90°)·(p − c) + c: x' = y, y' = n − 1 − x
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                Assert.Equal(image[(n - 1 - x) * n + y], output[y * n + x], 4);
            }
        }
    }

    [Fact]
    public void Draws_depend_only_on_seed_step_and_sample()
    {
        var augmentation = ImageAugmentation.Parse("shift=2,rotate=15,scale=0.2");
        var shape = new Shape(1, 12, 12);
        float[] image = Image(1, 12, 12);
        float[] Draw(ulong seed, long step, int sample)
        {
            float[] output = new float[image.Length];
            augmentation.Apply(image, shape, seed, step, sample, output);
            return output;
        }

        Assert.Equal(Draw(1, 5, 9), Draw(1, 5, 9));
        Assert.NotEqual(Draw(1, 5, 9), Draw(1, 6, 9));
        Assert.NotEqual(Draw(1, 5, 9), Draw(1, 5, 10));
        Assert.NotEqual(Draw(1, 5, 9), Draw(2, 5, 9));
    }

    [Theory]
    [InlineData("shift=2,rotate=10,scale=0.1", 2f, 10f, 0.1f)]
    [InlineData(" rotate = 5 ", 0f, 5f, 0f)]
    [InlineData("scale=0.25,shift=1.5", 1.5f, 0f, 0.25f)]
    public void Parse_reads_any_subset(string text, float shift, float rotate, float scale)
    {
        ImageAugmentation a = ImageAugmentation.Parse(text);
        Assert.Equal((shift, rotate, scale), (a.Shift, a.Rotate, a.Scale));
        Assert.Equal(a, ImageAugmentation.Parse(a.ToString()));
    }

    [Theory]
    [InlineData("shift=2,rot=3", "unknown distortion 'rot'")]
    [InlineData("shift=-1", "shift must be a number in [0, 64]")]
    [InlineData("rotate=NaN", "rotate must be a number")]
    [InlineData("scale=1", "scale must be a number in [0, 0.9]")]
    [InlineData("shift=1,shift=2", "'shift' is given twice")]
    [InlineData("shift", "shift must be a number")]
    [InlineData(",", "no distortion")]
    public void Parse_names_what_is_wrong(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ImageAugmentation.Parse(text));
        Assert.Contains(message, error.Message);
    }
}
