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

    [Theory]
    [InlineData(10)] // few columns: the plain-loop path
    [InlineData(19)] // a library call per row
    public void Bias_add_and_column_sums_match_loops(int columns)
    {
        int rows = 5;
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

    [Theory]
    [InlineData(11)] // ≤ 16 columns: one masked vector per row
    [InlineData(23)]
    public void Softmax_and_log_softmax_match_double_formulas(int columns)
    {
        int rows = 4;
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

    [Theory]
    [InlineData(4)]
    [InlineData(20)]
    public void Softmax_of_a_row_with_NaN_is_NaN_and_other_rows_are_untouched(int columns)
    {
        float[] x = RandomArray(3 * columns, 9);
        x[columns + 2] = float.NaN;
        float[] p = new float[x.Length];
        TensorMath.SoftmaxRows(x, columns, p);
        Assert.All(p.Skip(columns).Take(columns), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(1.0, p.Take(columns).Sum(v => (double)v), 5);
        Assert.Equal(1.0, p.Skip(2 * columns).Sum(v => (double)v), 5);
    }

    [Fact]
    public void Argmax_picks_the_first_maximum_of_each_row()
    {
        float[] x = [1, 3, 3, 0, /**/ -5, -2, -9, -2, /**/ 7, 0, 0, 0];
        int[] indices = new int[3];
        TensorMath.ArgMaxRows(x, 4, indices);
        Assert.Equal([1, 1, 0], indices);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(23)]
    public void Argmax_agrees_with_IndexOfMax_including_NaN_and_signed_zeros(int columns)
    {
        var random = new Random(7);
        int rows = 200;
        float[] x = new float[rows * columns];
        for (int i = 0; i < x.Length; i++)
        {
            // small integers make ties common; sprinkle NaN and both zeros
            x[i] = random.Next(20) switch
            {
                0 => float.NaN,
                1 => -0f,
                2 => 0f,
                _ => random.Next(-3, 4),
            };
        }

        int[] indices = new int[rows];
        TensorMath.ArgMaxRows(x, columns, indices);
        for (int i = 0; i < rows; i++)
        {
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(x.AsSpan(i * columns, columns)), indices[i]);
        }
    }

    [Fact]
    public void Exp_is_within_two_ulp_of_the_exact_value_over_the_float_range()
    {
        // every 997th float bit pattern between −87.3 and 88.7, plus the edges, for each vector width and the tail
        var inputs = new List<float> { 0f, -0f, 1f, -1f, 88.72f, 88.7228f, -87.33f, 1e-30f, -1e-30f };
        for (float v = -87.3f; v < 88.7f; v = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + (v < 0 ? -997 : 997)))
        {
            inputs.Add(v);
            if (v < 0 && v > -1e-30f)
            {
                v = 1e-30f;
            }
        }

        float[] x = [.. inputs];
        float[] y = new float[x.Length];
        TensorMath.Exp(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Exp(x[i]);
            double ulp = Math.Max((double)MathF.BitIncrement((float)exact) - (float)exact, 1e-45);
            Assert.True(Math.Abs(y[i] - exact) <= 2 * ulp, $"exp({x[i]:R}) = {y[i]:R}, exact {exact:R}");
            Assert.Equal(y[i], TensorMath.Exp(x[i])); // the scalar path gives the same answer
        }
    }

    [Fact]
    public void Exp_handles_the_edges()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 89f, -88f, 88.7f, -1000f, 1000f, float.NaN, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f];
        float[] y = new float[x.Length];
        TensorMath.Exp(x, y);
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[8]));
        Assert.Equal(float.PositiveInfinity, y[1]);
        Assert.Equal(0f, y[2]);
        Assert.Equal(float.PositiveInfinity, y[3]);
        Assert.Equal(0f, y[4]);
        Assert.Equal(Math.Exp(88.7f), y[5], 3e-7 * Math.Exp(88.7f));
        Assert.Equal(0f, y[6]);
        Assert.Equal(float.PositiveInfinity, y[7]);
        Assert.Equal(1f, y[9]);
        Assert.True(float.IsNaN(TensorMath.Exp(float.NaN)));
        Assert.Equal(float.PositiveInfinity, TensorMath.Exp(89f));
        Assert.Equal(0f, TensorMath.Exp(-88f));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(64)]
    [InlineData(200)]
    public void Expanding_bytes_multiplies_each_by_the_scale(int length)
    {
        byte[] x = Enumerable.Range(0, length).Select(i => (byte)(i * 37 % 256)).ToArray();
        float[] y = new float[length];
        TensorMath.ExpandBytes(x, 1f / 255f, y);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(x[i] * (1f / 255f), y[i]); // bit for bit
        }

        Assert.Throws<ArgumentException>(() => TensorMath.ExpandBytes(x, 1f, new float[length + 1]));
    }
}
