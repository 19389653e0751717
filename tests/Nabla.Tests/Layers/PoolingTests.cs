using Nabla.Layers;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Layers;

/// <summary>Max, average and global average pooling against the reference loops, and their gradients.</summary>
public sealed class PoolingTests
{
    [Theory]
    [InlineData(3, 4, 26, 26, 2, 2, 0, 0)]   // the Keras convnet's first pooling (vector path)
    [InlineData(2, 5, 11, 11, 2, 2, 0, 0)]   // odd size: the last row and column are dropped
    [InlineData(2, 3, 9, 70, 2, 2, 0, 0)]    // rows wider than one vector of outputs
    [InlineData(2, 2, 7, 8, 3, 3, 2, 2)]     // overlapping windows (scalar path)
    [InlineData(1, 3, 6, 9, 2, 3, 1, 3)]     // non-square window and stride
    public void Max_pooling_matches_the_reference_and_sends_gradients_to_the_maxima(int batch, int c, int h, int w, int kh, int kw, int sh, int sw)
    {
        var pool = new MaxPool2D((kh, kw), (sh, sw));
        pool.Build(new Shape(c, h, w));
        (sh, sw) = pool.Stride;
        // rounded values make ties (the first maximum must win, as in the reference)
        float[] x = Conv2DTests.Random(batch * c * h * w, seed: 1).Select(v => MathF.Round(v * 4) / 4).ToArray();
        Tensor y = pool.Forward(new Tensor(x, new Shape(batch, c, h, w)), training: true);
        var (expected, argmax) = ConvolutionReference.MaxPool(x, batch * c, h, w, kh, kw, sh, sw);
        Assert.Equal(expected, y.Span.ToArray());

        float[] dy = Conv2DTests.Random(y.Length, seed: 2);
        float[] dx = new float[x.Length];
        for (int j = 0; j < dy.Length; j++)
        {
            dx[argmax[j]] += dy[j];
        }

        Assert.Equal(dx, pool.Backward(new Tensor(dy, y.Shape), needInputGradient: true)!.Span.ToArray());
    }

    [Fact]
    public void Max_pooling_vector_paths_match_the_scalar_ones_on_every_row_width()
    {
        for (int w = 2; w <= 40; w++)
        {
            var g = ConvolutionGeometry.Create(2, 4 + w % 2, w, (2, 2), (2, 2), same: false);
            float[] x = Conv2DTests.Random(g.InputSize, seed: w).Select(v => MathF.Round(v * 3)).ToArray();
            int outputs = g.Channels * g.OutputPixels;
            float[] y1 = new float[outputs], y2 = new float[outputs];
            int[] a1 = new int[outputs], a2 = new int[outputs];
            Pooling.MaxForward(g, x, y1, a1);
            Pooling.MaxForwardScalar(g, x, y2, a2);
            Assert.Equal(y2, y1);
            Assert.Equal(a2, a1);

            // backward, with and without the ReLU gate of a fused block (gradients pass where the pooled value is > 0)
            float[] dy = Conv2DTests.Random(outputs, seed: 100 + w);
            float[] fast = Enumerable.Repeat(float.NaN, g.InputSize).ToArray(), scalar = new float[g.InputSize];
            Pooling.MaxBackward2x2(g, dy, [], a1, fast);
            Pooling.MaxBackward(dy, a2, scalar);
            Assert.Equal(scalar, fast);
            Pooling.MaxBackward2x2(g, dy, y1, a1, fast);
            Pooling.MaxBackward(dy.Select((v, j) => y1[j] > 0 ? v : 0f).ToArray(), a2, scalar);
            Assert.Equal(scalar, fast);
        }
    }

    [Theory]
    [InlineData(2, 3, 8, 8, 2, 2, 0, 0)]
    [InlineData(1, 2, 7, 9, 3, 2, 2, 1)]
    public void Average_pooling_matches_the_reference_and_its_gradient(int batch, int c, int h, int w, int kh, int kw, int sh, int sw)
    {
        var pool = new AvgPool2D((kh, kw), (sh, sw));
        pool.Build(new Shape(c, h, w));
        (sh, sw) = pool.Stride;
        float[] x = Conv2DTests.Random(batch * c * h * w, seed: 3);
        Tensor y = pool.Forward(new Tensor(x, new Shape(batch, c, h, w)), training: true);
        float[] expected = ConvolutionReference.AvgPool(x, batch * c, h, w, kh, kw, sh, sw);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 5);
        }

        double error = GradientChecker.MaxLayerError(pool, new Tensor(x, new Shape(batch, c, h, w)), probes: 60);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Max_pooling_gradient_matches_central_differences()
    {
        var pool = new MaxPool2D(2);
        pool.Build(new Shape(3, 6, 7));
        // distinct values, so that a small step never changes which input is the maximum
        float[] x = Enumerable.Range(0, 2 * 3 * 42).Select(i => (i * 37 % 251) / 25f).ToArray();
        double error = GradientChecker.MaxLayerError(pool, new Tensor(x, new Shape(2, 3, 6, 7)), probes: 80);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Global_average_pooling_is_the_channel_mean_and_spreads_its_gradient()
    {
        var pool = new GlobalAveragePool2D();
        pool.Build(new Shape(3, 4, 5));
        float[] x = Conv2DTests.Random(2 * 60, seed: 4);
        Tensor y = pool.Forward(new Tensor(x, new Shape(2, 3, 4, 5)), training: true);
        Assert.Equal([2, 3], y.Shape.ToArray());
        for (int plane = 0; plane < 6; plane++)
        {
            Assert.Equal(x.Skip(plane * 20).Take(20).Average(), y[plane], 5);
        }

        double error = GradientChecker.MaxLayerError(pool, new Tensor(x, new Shape(2, 3, 4, 5)));
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Pooling_refuses_flat_input_and_windows_larger_than_the_image()
    {
        Assert.Throws<ShapeMismatchException>(() => new Nabla.Models.Sequential(784).Add(new MaxPool2D(2)));
        var error = Assert.Throws<ShapeMismatchException>(() => new Nabla.Models.Sequential(1, 3, 3).Add(new AvgPool2D(4)));
        Assert.Contains("4×4", error.Message);
    }
}
