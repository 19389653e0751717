using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public sealed class GemmTests
{
    private static readonly int[] s_awkwardSizes = [1, 2, 7, 15, 17, 31, 63, 65, 127, 129, 511, 513, 784, 785];

    /// <summary>Shapes: every awkward size in every position (the others small), plus seeded random triples.</summary>
    public static TheoryData<int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        var seen = new HashSet<(int, int, int, bool, bool)>();
        void Add(int m, int k, int n, bool ta, bool tb)
        {
            if (seen.Add((m, k, n, ta, tb)))
            {
                data.Add(m, k, n, ta, tb);
            }
        }

        var random = new Random(20261122);
        bool[] flags = [false, true];
        foreach (bool ta in flags)
        {
            foreach (bool tb in flags)
            {
                foreach (int size in s_awkwardSizes)
                {
                    int other1 = s_awkwardSizes[random.Next(0, 7)];
                    int other2 = s_awkwardSizes[random.Next(0, 7)];
                    Add(size, other1, other2, ta, tb);
                    Add(other1, size, other2, ta, tb);
                    Add(other1, other2, size, ta, tb);
                }

                for (int i = 0; i < 4; i++)
                {
                    int m = s_awkwardSizes[random.Next(s_awkwardSizes.Length)];
                    int k = s_awkwardSizes[random.Next(s_awkwardSizes.Length)];
                    int n = s_awkwardSizes[random.Next(s_awkwardSizes.Length)];
                    while ((long)m * k * n > 20_000_000)
                    {
                        m = Math.Max(1, m / 4);
                    }

                    Add(m, k, n, ta, tb);
                }
            }
        }

        // Larger than one block in every dimension (several KC, NC and MC blocks).
        Add(1030, 300, 1050, false, false);
        Add(1030, 300, 1050, true, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_on_every_kernel(int m, int k, int n, bool transposeA, bool transposeB)
    {
        var random = new Random(m * 7919 + k * 31 + n);
        float[] a = RandomArray(random, m * k);
        float[] b = RandomArray(random, k * n);
        float[] initialC = RandomArray(random, m * n);
        (float alpha, float beta)[] scalars = [(1f, 0f), (0.5f, 1f), (-2f, 0.25f)];
        foreach (var (alpha, beta) in scalars)
        {
            float[] expected = (float[])initialC.Clone();
            GemmReference.Multiply(a, transposeA, b, transposeB, expected, m, k, n, alpha, beta);
            float[] bound = AbsoluteBound(a, transposeA, b, transposeB, initialC, m, k, n, alpha, beta);
            foreach (string kernel in Gemm.AvailableKernels())
            {
                float[] actual = (float[])initialC.Clone();
                Gemm.MultiplyWithKernel(kernel, a, transposeA, b, transposeB, actual, m, k, n, alpha, beta);
                for (int i = 0; i < actual.Length; i++)
                {
                    // Float32 rounding grows like √k·ε relative to Σ|a·b|; a real bug is off by O(1) of it.
                    float tolerance = 2e-6f * MathF.Sqrt(k + 1) * bound[i] + 1e-30f;
                    if (!(MathF.Abs(actual[i] - expected[i]) <= tolerance))
                    {
                        Assert.Fail($"{kernel} m={m} k={k} n={n} transA={transposeA} transB={transposeB} alpha={alpha} beta={beta}: " +
                            $"C[{i / n}, {i % n}] = {actual[i]}, reference {expected[i]} (scale {bound[i]})");
                    }
                }
            }
        }
    }

    [Fact]
    public void Default_entry_point_matches_reference()
    {
        var random = new Random(3);
        float[] a = RandomArray(random, 65 * 129);
        float[] b = RandomArray(random, 129 * 33);
        float[] expected = new float[65 * 33];
        float[] actual = new float[65 * 33];
        GemmReference.Multiply(a, false, b, false, expected, 65, 129, 33);
        Gemm.Multiply(a, false, b, false, actual, 65, 129, 33);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-3f);
        }
    }

    [Fact]
    public void Beta_zero_ignores_nan_in_c()
    {
        float[] a = [1, 2, 3, 4];
        float[] b = [5, 6, 7, 8];
        float[] c = [float.NaN, float.NaN, float.NaN, float.NaN];
        Gemm.Multiply(a, false, b, false, c, 2, 2, 2);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }

    [Fact]
    public void Zero_inner_dimension_scales_c_by_beta()
    {
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply([], false, [], false, c, 2, 0, 2, 1f, 0.5f);
        Assert.Equal([0.5f, 1f, 1.5f, 2f], c);
    }

    [Fact]
    public void Tensor_overload_names_both_shapes_when_inner_dimensions_differ()
    {
        var a = new Tensor(64, 784);
        var b = new Tensor(512, 128);
        var c = new Tensor(64, 128);
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, false, b, false, c));
        Assert.Contains("[64, 784]", error.Message);
        Assert.Contains("[512, 128]", error.Message);
    }

    [Fact]
    public void Tensor_overload_names_shapes_when_output_is_wrong()
    {
        var a = new Tensor(4, 3);
        var b = new Tensor(5, 3);
        var c = new Tensor(4, 4);
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(a, false, b, true, c));
        Assert.Contains("[4, 5]", error.Message);
        Assert.Contains("[4, 4]", error.Message);
    }

    [Fact]
    public void Span_overload_rejects_short_spans_with_the_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], false, new float[6], false, new float[4], 2, 3, 2));
        Assert.Contains("[2, 3]", error.Message);
    }

    private static float[] AbsoluteBound(float[] a, bool ta, float[] b, bool tb, float[] c, int m, int k, int n, float alpha, float beta)
    {
        float[] absA = a.Select(MathF.Abs).ToArray();
        float[] absB = b.Select(MathF.Abs).ToArray();
        float[] bound = c.Select(MathF.Abs).ToArray();
        GemmReference.Multiply(absA, ta, absB, tb, bound, m, k, n, MathF.Abs(alpha), MathF.Abs(beta));
        return bound;
    }

    private static float[] RandomArray(Random random, int length)
    {
        var data = new float[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = random.NextSingle() * 2 - 1;
        }

        return data;
    }
}
