using Nabla.Layers;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Layers;

/// <summary>Batch normalization and dropout on images [batch, C, H, W].</summary>
public sealed class SpatialLayerTests
{
    [Fact]
    public void Batch_norm_on_images_normalizes_each_channel_over_batch_height_and_width()
    {
        const int batch = 3, c = 4, h = 5, w = 6;
        var norm = new BatchNorm(momentum: 0.5f);
        norm.Build(new Shape(c, h, w));
        Conv2DTests.Random(c, seed: 1).Select(v => 1 + v / 2).ToArray().CopyTo(norm.Scale.Value, 0);
        Conv2DTests.Random(c, seed: 2).CopyTo(norm.Shift.Value, 0);
        float[] x = Conv2DTests.Random(batch * c * h * w, seed: 3).Select((v, i) => 3 * v + i % 7).ToArray();
        Tensor y = norm.Forward(new Tensor(x, new Shape(batch, c, h, w)), training: true);

        for (int ch = 0; ch < c; ch++)
        {
            // the reference: statistics of the channel's batch·h·w values, in double
            double[] values = Enumerable.Range(0, batch).SelectMany(n => x.Skip((n * c + ch) * h * w).Take(h * w)).Select(v => (double)v).ToArray();
            double mean = values.Average(), variance = values.Select(v => (v - mean) * (v - mean)).Average();
            for (int n = 0; n < batch; n++)
            {
                for (int p = 0; p < h * w; p++)
                {
                    int i = (n * c + ch) * h * w + p;
                    double expected = norm.Scale.Value[ch] * (x[i] - mean) / Math.Sqrt(variance + 1e-5) + norm.Shift.Value[ch];
                    Assert.Equal(expected, y[i], 4);
                }
            }

            // running statistics: halfway from (0, 1) to the batch's, the variance unbiased
            Assert.Equal(0.5 * mean, norm.RunningMean.Value[ch], 4);
            Assert.Equal(0.5 + 0.5 * variance * values.Length / (values.Length - 1), norm.RunningVariance.Value[ch], 4);
        }

        // inference uses the running statistics
        Tensor inferred = norm.Forward(new Tensor(x, new Shape(batch, c, h, w)), training: false);
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / (h * w) % c;
            double expected = norm.Scale.Value[ch] * (x[i] - norm.RunningMean.Value[ch]) / Math.Sqrt(norm.RunningVariance.Value[ch] + 1e-5) + norm.Shift.Value[ch];
            Assert.Equal(expected, inferred[i], 4);
        }
    }

    [Theory]
    [InlineData(2, 3, 4, 5)]
    [InlineData(4, 16, 24, 24)]   // large enough to run on several threads
    public void Batch_norm_on_images_gradients_match_central_differences(int batch, int c, int h, int w)
    {
        var norm = new BatchNorm();
        norm.Build(new Shape(c, h, w));
        Conv2DTests.Random(c, seed: 4).Select(v => 1 + v / 2).ToArray().CopyTo(norm.Scale.Value, 0);
        Conv2DTests.Random(c, seed: 5).CopyTo(norm.Shift.Value, 0);
        var x = new Tensor(Conv2DTests.Random(batch * c * h * w, seed: 6).Select((v, i) => 2 * v + i % 3).ToArray(), new Shape(batch, c, h, w));
        double error = GradientChecker.MaxLayerError(norm, x, probes: 60);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("tanh")]
    [InlineData("softmax")]
    public void Activations_of_large_image_batches_split_over_threads_give_the_serial_results(string name)
    {
        // 8 × 32 × 26 × 26 values: large enough for the worker threads
        Layer layer = Activation.Create(name);
        layer.Build(new Shape(32, 26, 26));
        var x = new Tensor(Conv2DTests.Random(8 * 32 * 26 * 26, seed: 8), new Shape(8, 32, 26, 26));
        Tensor y = layer.Forward(x, training: true);
        float[] expected = new float[x.Length];
        for (int n = 0; n < 8; n++)
        {
            // sample by sample (each sample alone is below the parallel threshold)
            var sample = new Tensor(x.Span.Slice(n * 21632, 21632).ToArray(), new Shape(1, 32, 26, 26));
            Layer one = Activation.Create(name);
            one.Build(new Shape(32, 26, 26));
            one.Forward(sample, training: true).Span.CopyTo(expected.AsSpan(n * 21632));
        }

        Assert.Equal(expected, y.Span.ToArray());
        float[] dy = Conv2DTests.Random(x.Length, seed: 9);
        Tensor dx = layer.Backward(new Tensor(dy, x.Shape), needInputGradient: true)!;
        for (int n = 0; n < 8; n++)
        {
            var sample = new Tensor(x.Span.Slice(n * 21632, 21632).ToArray(), new Shape(1, 32, 26, 26));
            Layer one = Activation.Create(name);
            one.Build(new Shape(32, 26, 26));
            one.Forward(sample, training: true);
            float[] part = one.Backward(new Tensor(dy.AsSpan(n * 21632, 21632).ToArray(), sample.Shape), needInputGradient: true)!.Span.ToArray();
            Assert.Equal(part, dx.Span.Slice(n * 21632, 21632).ToArray());
        }
    }

    [Fact]
    public void Batch_norm_refuses_other_ranks()
    {
        var error = Assert.Throws<ShapeMismatchException>(() => new Nabla.Models.Sequential(28, 28).Add(new BatchNorm()));
        Assert.Contains("[batch, channels, height, width]", error.Message);
    }

    [Fact]
    public void Dropout_on_images_drops_values_independently_and_passes_the_same_mask_back()
    {
        var dropout = new Dropout(0.5f) { Seed = 7 };
        dropout.Build(new Shape(8, 10, 10));
        var x = new Tensor(Enumerable.Repeat(1f, 4 * 800).ToArray(), new Shape(4, 8, 10, 10));
        Tensor y = dropout.Forward(x, ForwardContext.ForTraining(3));
        Assert.Equal(x.Shape, y.Shape);
        int kept = y.Span.ToArray().Count(v => v != 0);
        Assert.InRange(kept, 1400, 1800);
        Assert.All(y.Span.ToArray(), v => Assert.True(v == 0 || v == 2f));
        Tensor dx = dropout.Backward(new Tensor(Enumerable.Repeat(1f, 3200).ToArray(), y.Shape), needInputGradient: true)!;
        Assert.Equal(y.Span.ToArray(), dx.Span.ToArray());
        Assert.Same(x, dropout.Forward(x, ForwardContext.Inference));
    }
}
