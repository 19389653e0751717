using Nabla.Losses;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Losses;

public sealed class LossTests
{
    private static float[] Random(int length, int seed, float scale = 2f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2 - 1) * scale).ToArray();
    }

    private static float[] OneHot(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var t = new float[rows * columns];
        for (int i = 0; i < rows; i++)
        {
            t[i * columns + random.Next(columns)] = 1f;
        }

        return t;
    }

    [Fact]
    public void Gradients_match_central_differences()
    {
        Assert.True(GradientChecker.MaxLossError(new MeanSquaredError(), Random(12, 1), Random(12, 2), 4) < GradientChecker.Tolerance);
        Assert.True(GradientChecker.MaxLossError(new SoftmaxCrossEntropy(), Random(15, 3), OneHot(3, 5, 4), 5) < GradientChecker.Tolerance);
        Assert.True(GradientChecker.MaxLossError(new BinaryCrossEntropy(), Random(8, 5), OneHot(4, 2, 6), 2) < GradientChecker.Tolerance);
        float[] probabilities = Random(15, 7).Select(v => 0.2f + 0.15f * v).ToArray();
        Assert.True(GradientChecker.MaxLossError(new CategoricalCrossEntropy(), probabilities, OneHot(3, 5, 8), 5) < GradientChecker.Tolerance);
    }

    [Fact]
    public void Values_match_hand_computation()
    {
        float[] g = new float[4];
        // MSE: ((1−0)² + (2−1)² + (0−2)² + (−1−(−1))²) / 4 = 1.5
        Assert.Equal(1.5f, new MeanSquaredError().Compute([1, 2, 0, -1], [0, 1, 2, -1], 2, g), 6);
        Assert.Equal([0.5f, 0.5f, -1f, 0f], g);

        // Softmax CE on [0, ln 3] with target class 1: p = [1/4, 3/4], loss = −ln(3/4)
        float[] g2 = new float[2];
        Assert.Equal(-Math.Log(0.75), new SoftmaxCrossEntropy().Compute([0, MathF.Log(3)], [0, 1], 2, g2), 5);
        Assert.Equal(0.25f, g2[0], 5);
        Assert.Equal(-0.25f, g2[1], 5);

        // BCE on logit 0 with target 1: ln 2; gradient σ(0) − 1 = −0.5
        float[] g3 = new float[1];
        Assert.Equal(Math.Log(2), new BinaryCrossEntropy().Compute([0], [1], 1, g3), 5);
        Assert.Equal(-0.5f, g3[0], 5);

        // CCE on probabilities, 300 rows (more than one batch of logarithms) of [0.2, 0.5, 0.3] and one row where the
        // target's probability is 0 (clipped at ε = 1e−7): mean of −ln 0.5 ×150, −ln 0.3 ×150 and −ln 1e−7
        int rows = 301;
        float[] p = new float[rows * 3], t = new float[rows * 3], g4 = new float[rows * 3];
        for (int i = 0; i < rows; i++)
        {
            (p[3 * i], p[3 * i + 1], p[3 * i + 2]) = i < 300 ? (0.2f, 0.5f, 0.3f) : (0.5f, 0.5f, 0f);
            t[3 * i + (i < 150 ? 1 : 2)] = 1f;
        }

        double expected = (150 * -Math.Log(0.5f) + 150 * -Math.Log(0.3f) - Math.Log(1e-7f)) / rows;
        Assert.Equal(expected, new CategoricalCrossEntropy().Compute(p, t, 3, g4), 5);
        Assert.Equal(-1f / (0.5f * rows), g4[1], 6);
        Assert.Equal(0f, g4[0]);
    }

    [Fact]
    public void Softmax_cross_entropy_gradient_is_exact_for_multi_hot_and_unnormalized_targets()
    {
        // 16 rows of 6 classes with 1–3 positive classes each (multi-hot), then soft targets that sum to 2.5 per row:
        // the gradient must be (p·Σt − t)/rows, which (p − t)/rows misses by a relative 0.67 on the multi-hot rows.
        var random = new Random(11);
        float[] logits = Random(16 * 6, 12);
        float[] multiHot = new float[16 * 6];
        for (int i = 0; i < 16; i++)
        {
            for (int k = 0, positives = 1 + (i % 3); k < positives; k++)
            {
                multiHot[i * 6 + random.Next(6)] = 1f;
            }
        }

        float[] soft = Enumerable.Range(0, 16 * 6).Select(_ => random.NextSingle()).ToArray();
        for (int i = 0; i < 16; i++)
        {
            float total = soft.AsSpan(i * 6, 6).ToArray().Sum();
            for (int j = 0; j < 6; j++)
            {
                soft[i * 6 + j] *= 2.5f / total;
            }
        }

        var loss = new SoftmaxCrossEntropy();
        Assert.True(GradientChecker.MaxLossError(loss, logits, multiHot, 6, probes: 96) < GradientChecker.Tolerance);
        Assert.True(GradientChecker.MaxLossError(loss, logits, soft, 6, probes: 96) < GradientChecker.Tolerance);

        // and against the formula, value by value
        float[] g = new float[logits.Length];
        loss.Compute(logits, multiHot, 6, g);
        for (int i = 0; i < 16; i++)
        {
            double[] e = Enumerable.Range(0, 6).Select(j => Math.Exp(logits[i * 6 + j])).ToArray();
            double targetSum = multiHot.AsSpan(i * 6, 6).ToArray().Sum();
            for (int j = 0; j < 6; j++)
            {
                double expected = (e[j] / e.Sum() * targetSum - multiHot[i * 6 + j]) / 16;
                Assert.Equal(expected, g[i * 6 + j], 6);
            }
        }
    }

    [Fact]
    public void Logit_losses_stay_finite_for_huge_logits()
    {
        float[] g = new float[3];
        float value = new SoftmaxCrossEntropy().Compute([1000, -1000, 0], [0, 1, 0], 3, g);
        Assert.True(float.IsFinite(value));
        Assert.Equal(2000f, value, 1);
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        float[] g2 = new float[2];
        Assert.True(float.IsFinite(new BinaryCrossEntropy().Compute([1000, -1000], [0, 1], 1, g2)));
    }
}
