using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

/// <summary>
/// <c>C = alpha·op(A)·op(B) + beta·C</c> when C has at most 16 columns and the products are short: op(A) = A with at
/// most 15 columns, or op(A) = Aᵀ with at most 16 rows. These are the small layers of a classifier's head — the
/// tutorials' 10→10 output layer: its forward pass (512×10 by 10×10), dX = dY·Wᵀ and dW = Xᵀ·dY (10×512 by 512×10).
/// </summary>
/// <remarks>
/// The packed algorithm would spend more time packing and synchronizing threads than multiplying. Here one thread
/// keeps each row of op(B) (or of C's accumulators) as one 16-lane vector, masked to the n columns, and broadcasts
/// the scalars of A: one fused multiply-add per (row, k) pair. AVX-512 only.
/// </remarks>
internal static unsafe class GemmTiny
{
    /// <summary>The most columns of C.</summary>
    public const int MaxColumns = 16;

    /// <summary>Whether this CPU can use the path.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>Whether the path takes a product of this shape.</summary>
    public static bool Takes(bool transposeA, int m, int k, int n) =>
        IsSupported && n <= MaxColumns && (transposeA ? m <= 16 : k < 16);

    /// <summary>Computes the product (the caller checked <see cref="Takes"/> and the lengths).</summary>
    public static void Multiply(float* a, bool transposeA, float* b, bool transposeB, float* c, int m, int k, int n, float alpha, float beta)
    {
        Vector512<float> mask = TensorMath.FirstLanes(n);
        if (!transposeA)
        {
            // C[i, ·] = Σ_p A[i, p]·op(B)[p, ·]; the k ≤ 15 rows of op(B) are built once
            Vector512<float>* rows = stackalloc Vector512<float>[16];
            for (int p = 0; p < k; p++)
            {
                rows[p] = RowOfOpB(b, transposeB, p, k, n, mask);
            }

            // four rows at a time: four independent chains of multiply-adds instead of one waiting on itself
            int i = 0;
            for (; i + 4 <= m; i += 4)
            {
                float* a0 = a + (nint)i * k;
                Vector512<float> sum0 = Vector512<float>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
                for (int p = 0; p < k; p++)
                {
                    Vector512<float> row = rows[p];
                    sum0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[p]), row, sum0);
                    sum1 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[k + p]), row, sum1);
                    sum2 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[2 * k + p]), row, sum2);
                    sum3 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[3 * k + p]), row, sum3);
                }

                Store(c + (nint)i * n, sum0, alpha, beta, mask);
                Store(c + (nint)(i + 1) * n, sum1, alpha, beta, mask);
                Store(c + (nint)(i + 2) * n, sum2, alpha, beta, mask);
                Store(c + (nint)(i + 3) * n, sum3, alpha, beta, mask);
            }

            for (; i < m; i++)
            {
                float* aRow = a + (nint)i * k;
                Vector512<float> sum = Vector512<float>.Zero;
                for (int p = 0; p < k; p++)
                {
                    sum = Vector512.FusedMultiplyAdd(Vector512.Create(aRow[p]), rows[p], sum);
                }

                Store(c + (nint)i * n, sum, alpha, beta, mask);
            }

            return;
        }

        // op(A) = Aᵀ, A stored k×m with m ≤ 16: C[i, ·] = Σ_p A[p, i]·op(B)[p, ·], the m accumulators on the stack
        Vector512<float>* sums = stackalloc Vector512<float>[16];
        for (int i = 0; i < m; i++)
        {
            sums[i] = Vector512<float>.Zero;
        }

        for (int p = 0; p < k; p++)
        {
            Vector512<float> row = RowOfOpB(b, transposeB, p, k, n, mask);
            float* aRow = a + (nint)p * m;
            for (int i = 0; i < m; i++)
            {
                sums[i] = Vector512.FusedMultiplyAdd(Vector512.Create(aRow[i]), row, sums[i]);
            }
        }

        for (int i = 0; i < m; i++)
        {
            Store(c + (nint)i * n, sums[i], alpha, beta, mask);
        }
    }

    /// <summary>Row p of op(B) in the first n lanes, zeros after.</summary>
    private static Vector512<float> RowOfOpB(float* b, bool transposeB, int p, int k, int n, Vector512<float> mask)
    {
        if (!transposeB)
        {
            return Avx512F.MaskLoad(b + (nint)p * n, mask, Vector512<float>.Zero);
        }

        // op(B)[p, j] = B[j, p], B stored n×k
        float* column = stackalloc float[16];
        for (int j = 0; j < 16; j++)
        {
            column[j] = j < n ? b[(nint)j * k + p] : 0f;
        }

        return Vector512.Load(column);
    }

    private static void Store(float* c, Vector512<float> product, float alpha, float beta, Vector512<float> mask)
    {
        Vector512<float> result = product * Vector512.Create(alpha);
        if (beta != 0f)
        {
            result = Vector512.FusedMultiplyAdd(Vector512.Create(beta), Avx512F.MaskLoad(c, mask, Vector512<float>.Zero), result);
        }

        Avx512F.MaskStore(c, mask, result);
    }
}
