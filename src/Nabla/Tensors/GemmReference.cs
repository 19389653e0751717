namespace Nabla.Tensors;

/// <summary>
/// The textbook triple loop for <c>C = alpha·op(A)·op(B) + beta·C</c>, accumulated in double. The algorithmic
/// reference the fast <see cref="Gemm"/> is tested against; too slow for anything else.
/// </summary>
public static class GemmReference
{
    /// <summary>Same contract as <see cref="Gemm.Multiply(ReadOnlySpan{float}, bool, ReadOnlySpan{float}, bool, Span{float}, int, int, int, float, float)"/>.</summary>
    public static void Multiply(
        ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c,
        int m, int k, int n, float alpha = 1f, float beta = 0f)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transposeA ? a[p * m + i] : a[i * k + p];
                    double y = transposeB ? b[j * k + p] : b[p * n + j];
                    sum += x * y;
                }

                double previous = beta == 0f ? 0 : (double)beta * c[i * n + j];
                c[i * n + j] = (float)(alpha * sum + previous);
            }
        }
    }
}
