using Nabla.Layers;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Layers;

public sealed class RegularizationLayerTests
{
    private static Tensor Input(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        return new Tensor(Enumerable.Range(0, rows * columns).Select(_ => random.NextSingle() * 4 - 2).ToArray(), new Shape(rows, columns));
    }

    [Fact]
    public void Dropout_gradient_matches_central_differences_with_a_fixed_mask()
    {
        var dropout = new Dropout(0.3f) { Seed = 42 };
        dropout.Build(new Shape(12));
        double error = GradientChecker.MaxLayerError(dropout, Input(5, 12, 1), probes: 60, context: ForwardContext.ForTraining(7));
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Dropout_drops_about_rate_scales_the_rest_and_is_the_identity_in_inference()
    {
        var dropout = new Dropout(0.25f) { Seed = 3 };
        dropout.Build(new Shape(1000));
        var ones = new Tensor(Enumerable.Repeat(1f, 8000).ToArray(), new Shape(8, 1000));
        float[] y = dropout.Forward(ones, training: true).Span.ToArray();
        double dropped = y.Count(v => v == 0f) / (double)y.Length;
        Assert.InRange(dropped, 0.23, 0.27);
        Assert.All(y.Where(v => v != 0f), v => Assert.Equal(1f / 0.75f, v, 6));
        Assert.Same(ones, dropout.Forward(ones, training: false));

        float[] next = dropout.Forward(ones, ForwardContext.ForTraining(1)).Span.ToArray();
        Assert.NotEqual(y, next);
    }

    [Fact]
    public void Dropout_vector_and_scalar_masks_agree()
    {
        float[] mask = new float[1000];
        Dropout.FillMask(mask, 12345u, 0.4f);
        float[] scalar = new float[1000];
        for (int i = 0; i < scalar.Length; i++)
        {
            // the tail loop of FillMask, applied one value at a time
            Dropout.FillMask(scalar.AsSpan(i, 1), 12345u + (uint)i, 0.4f);
        }

        Assert.Equal(scalar, mask);
    }

    [Fact]
    public void Batch_norm_gradients_match_central_differences()
    {
        var norm = new BatchNorm();
        norm.Build(new Shape(6));
        var random = new Random(9);
        for (int j = 0; j < 6; j++)
        {
            norm.Scale.Value[j] = 0.5f + random.NextSingle();
            norm.Shift.Value[j] = random.NextSingle() - 0.5f;
        }

        double error = GradientChecker.MaxLayerError(norm, Input(7, 6, 2), probes: 60);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Batch_norm_normalizes_in_training_and_uses_running_statistics_in_inference()
    {
        var norm = new BatchNorm(momentum: 0.5f);
        norm.Build(new Shape(2));
        var x = new Tensor(new float[] { 1, 10, 3, 20, 5, 30 }, new Shape(3, 2));
        float[] y = norm.Forward(x, training: true).Span.ToArray();
        // column 0: mean 3, biased variance 8/3 → (1−3)/√(8/3 + 1e−5) ≈ −1.2247
        Assert.Equal(-1.2247, y[0], 3);
        Assert.Equal(0, y[2], 5);
        // running mean = 0.5·0 + 0.5·3; running variance = 0.5·1 + 0.5·4 (unbiased 8/2)
        Assert.Equal(1.5f, norm.RunningMean.Value[0], 5);
        Assert.Equal(2.5f, norm.RunningVariance.Value[0], 5);
        float[] inference = norm.Forward(x, training: false).Span.ToArray();
        Assert.Equal((1 - 1.5) / Math.Sqrt(2.5 + 1e-5), inference[0], 4);
    }
}
