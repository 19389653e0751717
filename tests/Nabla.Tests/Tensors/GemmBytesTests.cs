using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>The kernels that read a first layer's input as bytes (compact pixel data), against the double reference.</summary>
public sealed unsafe class GemmBytesTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 16, 10 }, { 2, 784, 10 }, { 33, 784, 10 }, { 300, 784, 1 }, { 64, 37, 12 }, { 65, 50, 7 }, { 7, 15, 3 }, { 600, 100, 12 },
    };

    private static (byte[] Bytes, int[] Rows, float[] D) Data(int m, int k, int n, int seed)
    {
        var random = new Random(seed);
        int samples = m + 5;
        byte[] bytes = new byte[samples * k];
        random.NextBytes(bytes);
        int[] rows = Enumerable.Range(0, m).Select(_ => random.Next(samples)).ToArray(); // shuffled, with repeats
        float[] d = Enumerable.Range(0, m * n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        return (bytes, rows, d);
    }

    private static double[] Expand(byte[] bytes, int[] rows, int k, float scale)
    {
        var x = new double[rows.Length * k];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int p = 0; p < k; p++)
            {
                x[i * k + p] = bytes[rows[i] * k + p] * scale;
            }
        }

        return x;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_from_bytes_equals_expanding_then_multiplying_bit_for_bit(int m, int k, int n)
    {
        if (!GemmSmallN.BytesSupported)
        {
            return; // AVX-512 only; elsewhere Dense never takes this path (Dense.AcceptsByteRows is false)
        }

        var (bytes, rows, _) = Data(m, k, n, m + k + n);
        float[] weights = Enumerable.Range(0, k * n).Select(i => MathF.Sin(i) * 0.1f).ToArray();
        float scale = 1f / 255f;
        float[] expanded = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            TensorMath.ExpandBytes(bytes.AsSpan(rows[i] * k, k), scale, expanded.AsSpan(i * k, k));
        }

        float[] expected = new float[m * n];
        Gemm.Multiply(expanded, false, weights, false, expected, m, k, n);
        float[] actual = new float[m * n];
        fixed (byte* a = bytes)
        fixed (int* r = rows)
        fixed (float* b = weights)
        fixed (float* c = actual)
        {
            GemmSmallN.MultiplyBytes(a, r, scale, b, n, false, c, n, m, k, n);
        }

        if (m >= 32 && k >= 16)
        {
            Assert.Equal(expected, actual); // the float path took GemmSmallN too: same operations, same bits
        }
        else
        {
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 1e-4f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Weight_gradient_from_bytes_matches_the_reference(int m, int k, int n)
    {
        if (!GemmBytesTransposed.IsSupported)
        {
            return; // AVX-512 only, as above
        }

        var (bytes, rows, d) = Data(m, k, n, 7 * m + k + n);
        float scale = 1f / 255f;
        double[] x = Expand(bytes, rows, k, scale);
        float[] initial = Enumerable.Range(0, k * n).Select(i => MathF.Cos(i)).ToArray();
        float[] c = (float[])initial.Clone();
        fixed (byte* a = bytes)
        fixed (int* r = rows)
        fixed (float* pd = d)
        fixed (float* pc = c)
        {
            GemmBytesTransposed.MultiplyAdd(a, r, scale, pd, pc, m, k, n);
        }

        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = initial[p * n + j], bound = Math.Abs(sum);
                for (int i = 0; i < m; i++)
                {
                    sum += x[i * k + p] * d[i * n + j];
                    bound += Math.Abs(x[i * k + p] * d[i * n + j]);
                }

                Assert.True(Math.Abs(c[p * n + j] - sum) <= 2e-6 * Math.Sqrt(m + 1) * bound + 1e-30,
                    $"C[{p}, {j}] = {c[p * n + j]}, reference {sum} (m={m} k={k} n={n})");
            }
        }
    }
}
