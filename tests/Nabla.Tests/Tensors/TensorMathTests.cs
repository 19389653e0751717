using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>Every kernel against its scalar formula, on lengths that exercise the vector body and the tail.</summary>
public sealed class TensorMathTests
{
    private static float[] RandomArray(int length, int seed, float scale = 4f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2 - 1) * scale).ToArray();
    }

    /// <summary>Equal within 1e-5, relative for values above 1 (float32 kernels against double formulas).</summary>
    private static void AssertClose(double expected, double actual) =>
        Assert.Equal(expected, actual, 1e-5 * Math.Max(1, Math.Abs(expected)));

    public static TheoryData<int> Lengths => new() { 1, 7, 16, 37, 100 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Activations_match_scalar_formulas(int length)
    {
        float[] x = RandomArray(length, length);
        float[] dy = RandomArray(length, length + 1);
        float[] y = new float[length];
        float[] dx = new float[length];

        TensorMath.Relu(x, y);
        TensorMath.ReluBackward(y, dy, dx);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(Math.Max(x[i], 0f), y[i]);
            Assert.Equal(x[i] > 0 ? dy[i] : 0f, dx[i]);
        }

        TensorMath.LeakyRelu(x, 0.01f, y);
        TensorMath.LeakyReluBackward(y, dy, 0.01f, dx);
        for (int i = 0; i < length; i++)
        {
            AssertClose(x[i] > 0 ? x[i] : 0.01f * x[i], y[i]);
            AssertClose(x[i] > 0 ? dy[i] : 0.01f * dy[i], dx[i]);
        }

        TensorMath.Sigmoid(x, y);
        TensorMath.SigmoidBackward(y, dy, dx);
        for (int i = 0; i < length; i++)
        {
            double s = 1 / (1 + Math.Exp(-x[i]));
            AssertClose(s, y[i]);
            AssertClose(dy[i] * s * (1 - s), dx[i]);
        }

        TensorMath.Tanh(x, y);
        TensorMath.TanhBackward(y, dy, dx);
        for (int i = 0; i < length; i++)
        {
            double t = Math.Tanh(x[i]);
            AssertClose(t, y[i]);
            AssertClose(dy[i] * (1 - t * t), dx[i]);
        }
    }

    [Fact]
    public void Bias_add_and_column_sums_match_loops()
    {
        int rows = 5, columns = 19;
        float[] y = RandomArray(rows * columns, 1);
        float[] original = (float[])y.Clone();
        float[] bias = RandomArray(columns, 2);
        TensorMath.AddRowVector(bias, rows, y);
        float[] sums = RandomArray(columns, 3);
        float[] initialSums = (float[])sums.Clone();
        TensorMath.AccumulateColumnSums(original, rows, sums);
        for (int j = 0; j < columns; j++)
        {
            double sum = initialSums[j];
            for (int i = 0; i < rows; i++)
            {
                AssertClose(original[i * columns + j] + bias[j], y[i * columns + j]);
                sum += original[i * columns + j];
            }

            Assert.Equal(sum, sums[j], 4);
        }
    }

    [Fact]
    public void Scale_and_axpy_match_loops()
    {
        float[] x = RandomArray(37, 4);
        float[] y = RandomArray(37, 5);
        float[] expected = y.Select((v, i) => v + 0.5f * x[i]).ToArray();
        TensorMath.Axpy(0.5f, x, y);
        Assert.Equal(expected, y);
        TensorMath.Scale(3f, y);
        Assert.Equal(expected.Select(v => v * 3f), y);
        Assert.Throws<ArgumentException>(() => TensorMath.Axpy(1f, new float[3], new float[4]));
    }

    [Fact]
    public void Softmax_and_log_softmax_match_double_formulas()
    {
        int rows = 4, columns = 11;
        float[] x = RandomArray(rows * columns, 6, 10f);
        float[] p = new float[x.Length];
        float[] logP = new float[x.Length];
        TensorMath.SoftmaxRows(x, columns, p);
        TensorMath.LogSoftmaxRows(x, columns, logP);
        for (int i = 0; i < rows; i++)
        {
            var row = x.Skip(i * columns).Take(columns).Select(v => (double)v).ToArray();
            double max = row.Max();
            double sum = row.Sum(v => Math.Exp(v - max));
            for (int j = 0; j < columns; j++)
            {
                AssertClose(Math.Exp(row[j] - max) / sum, p[i * columns + j]);
                AssertClose(row[j] - max - Math.Log(sum), logP[i * columns + j]);
            }
        }
    }

    [Fact]
    public void Softmax_stays_finite_for_huge_logits()
    {
        float[] x = [1000f, -1000f, 999f, -1000f, -1000f, 1000f];
        float[] p = new float[6];
        float[] logP = new float[6];
        TensorMath.SoftmaxRows(x, 3, p);
        TensorMath.LogSoftmaxRows(x, 3, logP);
        Assert.All(p, v => Assert.True(float.IsFinite(v)));
        Assert.All(logP, v => Assert.True(float.IsFinite(v)));
        AssertClose(1 / (1 + Math.Exp(-1)), p[0]);
        AssertClose(1.0, p[5]);
        Assert.Equal(-2000.0, logP[3], 1e-3);
    }

    [Fact]
    public void Argmax_picks_the_first_maximum_of_each_row()
    {
        float[] x = [1, 3, 3, 0, /**/ -5, -2, -9, -2, /**/ 7, 0, 0, 0];
        int[] indices = new int[3];
        TensorMath.ArgMaxRows(x, 4, indices);
        Assert.Equal([1, 1, 0], indices);
    }
}
