using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Tensors;

/// <summary>
/// Register-tiled micro-kernels: each computes one MR×NR tile of C from a packed A micro-panel and a packed B
/// micro-panel, <c>C[MR,NR] = alpha·Σₚ a[p,·]ᵀ·b[p,·] + beta·C</c>.
/// </summary>
/// <remarks>
/// <para>
/// Packed layouts (see <see cref="GemmPacking"/>): the A micro-panel holds, for each p in [0, kc), the MR values
/// of column p of the tile's rows, contiguous; the B micro-panel holds, for each p, the NR values of row p of the
/// tile's columns, contiguous. So step p is: load NR values of B as vectors, broadcast each of the MR values of A,
/// and do MR·NR/width fused multiply-adds into accumulators that never leave registers.
/// </para>
/// <para>
/// Sizes: on AVX-512, 8×32 uses 16 zmm accumulators + 2 for B (of 32); on AVX2, 6×16 uses 12 ymm accumulators + 2
/// for B + 1 broadcast (of 16), as in BLIS's Haswell kernel; the portable kernel is 4×8 with 128-bit vectors, which
/// every .NET platform has (SSE2, NEON, WASM SIMD), and runs in scalar code where even those are missing.
/// </para>
/// </remarks>
internal static unsafe class GemmMicroKernels
{
    /// <summary>8×32 tile with <see cref="Vector512{T}"/> (AVX-512F).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> av = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(av, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(av, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(av, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(av, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(av, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(av, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(av, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += 8;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (c00 * va).Store(c); (c01 * va).Store(c + 16); c += ldc;
            (c10 * va).Store(c); (c11 * va).Store(c + 16); c += ldc;
            (c20 * va).Store(c); (c21 * va).Store(c + 16); c += ldc;
            (c30 * va).Store(c); (c31 * va).Store(c + 16); c += ldc;
            (c40 * va).Store(c); (c41 * va).Store(c + 16); c += ldc;
            (c50 * va).Store(c); (c51 * va).Store(c + 16); c += ldc;
            (c60 * va).Store(c); (c61 * va).Store(c + 16); c += ldc;
            (c70 * va).Store(c); (c71 * va).Store(c + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Update512(c, c00, c01, va, vb); c += ldc;
            Update512(c, c10, c11, va, vb); c += ldc;
            Update512(c, c20, c21, va, vb); c += ldc;
            Update512(c, c30, c31, va, vb); c += ldc;
            Update512(c, c40, c41, va, vb); c += ldc;
            Update512(c, c50, c51, va, vb); c += ldc;
            Update512(c, c60, c61, va, vb); c += ldc;
            Update512(c, c70, c71, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update512(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, Vector512<float> vb)
    {
        Vector512.FusedMultiplyAdd(x0, va, Vector512.Load(c) * vb).Store(c);
        Vector512.FusedMultiplyAdd(x1, va, Vector512.Load(c + 16) * vb).Store(c + 16);
    }

    /// <summary>16×16 tile with <see cref="Vector512{T}"/>, for products with at most 16 columns (a classifier's
    /// output layer), where a 32-wide tile would waste more than half its lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel16x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a[8]), b0, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a[9]), b0, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a[10]), b0, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a[11]), b0, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(a[12]), b0, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(a[13]), b0, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(a[14]), b0, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(a[15]), b0, c15);
            a += 16;
            b += 16;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (c0 * va).Store(c + 0 * ldc);
            (c1 * va).Store(c + 1 * ldc);
            (c2 * va).Store(c + 2 * ldc);
            (c3 * va).Store(c + 3 * ldc);
            (c4 * va).Store(c + 4 * ldc);
            (c5 * va).Store(c + 5 * ldc);
            (c6 * va).Store(c + 6 * ldc);
            (c7 * va).Store(c + 7 * ldc);
            (c8 * va).Store(c + 8 * ldc);
            (c9 * va).Store(c + 9 * ldc);
            (c10 * va).Store(c + 10 * ldc);
            (c11 * va).Store(c + 11 * ldc);
            (c12 * va).Store(c + 12 * ldc);
            (c13 * va).Store(c + 13 * ldc);
            (c14 * va).Store(c + 14 * ldc);
            (c15 * va).Store(c + 15 * ldc);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Vector512.FusedMultiplyAdd(c0, va, Vector512.Load(c + 0 * ldc) * vb).Store(c + 0 * ldc);
            Vector512.FusedMultiplyAdd(c1, va, Vector512.Load(c + 1 * ldc) * vb).Store(c + 1 * ldc);
            Vector512.FusedMultiplyAdd(c2, va, Vector512.Load(c + 2 * ldc) * vb).Store(c + 2 * ldc);
            Vector512.FusedMultiplyAdd(c3, va, Vector512.Load(c + 3 * ldc) * vb).Store(c + 3 * ldc);
            Vector512.FusedMultiplyAdd(c4, va, Vector512.Load(c + 4 * ldc) * vb).Store(c + 4 * ldc);
            Vector512.FusedMultiplyAdd(c5, va, Vector512.Load(c + 5 * ldc) * vb).Store(c + 5 * ldc);
            Vector512.FusedMultiplyAdd(c6, va, Vector512.Load(c + 6 * ldc) * vb).Store(c + 6 * ldc);
            Vector512.FusedMultiplyAdd(c7, va, Vector512.Load(c + 7 * ldc) * vb).Store(c + 7 * ldc);
            Vector512.FusedMultiplyAdd(c8, va, Vector512.Load(c + 8 * ldc) * vb).Store(c + 8 * ldc);
            Vector512.FusedMultiplyAdd(c9, va, Vector512.Load(c + 9 * ldc) * vb).Store(c + 9 * ldc);
            Vector512.FusedMultiplyAdd(c10, va, Vector512.Load(c + 10 * ldc) * vb).Store(c + 10 * ldc);
            Vector512.FusedMultiplyAdd(c11, va, Vector512.Load(c + 11 * ldc) * vb).Store(c + 11 * ldc);
            Vector512.FusedMultiplyAdd(c12, va, Vector512.Load(c + 12 * ldc) * vb).Store(c + 12 * ldc);
            Vector512.FusedMultiplyAdd(c13, va, Vector512.Load(c + 13 * ldc) * vb).Store(c + 13 * ldc);
            Vector512.FusedMultiplyAdd(c14, va, Vector512.Load(c + 14 * ldc) * vb).Store(c + 14 * ldc);
            Vector512.FusedMultiplyAdd(c15, va, Vector512.Load(c + 15 * ldc) * vb).Store(c + 15 * ldc);
        }
    }

    /// <summary>
    /// TRows×32 tile with <see cref="Vector512{T}"/>, TRows ≤ 12, for products with at most 12 columns computed
    /// transposed (Cᵀ = op(B)ᵀ·op(A)ᵀ): the few columns become the broadcast rows, so every vector lane works, where a
    /// 16-wide tile over 10 columns would leave 6 of 16 lanes idle. Always writes a temporary tile (beta is 0; the
    /// driver merges it into C transposed). The row count is a type parameter so the JIT drops the unused rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KernelRowsx32<TRows>(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
        where TRows : struct, IRowCount
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            if (TRows.Value > 0)
            {
                Vector512<float> av = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(av, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            }
            if (TRows.Value > 1)
            {
                Vector512<float> av = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            }
            if (TRows.Value > 2)
            {
                Vector512<float> av = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(av, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            }
            if (TRows.Value > 3)
            {
                Vector512<float> av = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(av, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            }
            if (TRows.Value > 4)
            {
                Vector512<float> av = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(av, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            }
            if (TRows.Value > 5)
            {
                Vector512<float> av = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(av, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            }
            if (TRows.Value > 6)
            {
                Vector512<float> av = Vector512.Create(a[6]);
                c60 = Vector512.FusedMultiplyAdd(av, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            }
            if (TRows.Value > 7)
            {
                Vector512<float> av = Vector512.Create(a[7]);
                c70 = Vector512.FusedMultiplyAdd(av, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            }
            if (TRows.Value > 8)
            {
                Vector512<float> av = Vector512.Create(a[8]);
                c80 = Vector512.FusedMultiplyAdd(av, b0, c80);
                c81 = Vector512.FusedMultiplyAdd(av, b1, c81);
            }
            if (TRows.Value > 9)
            {
                Vector512<float> av = Vector512.Create(a[9]);
                c90 = Vector512.FusedMultiplyAdd(av, b0, c90);
                c91 = Vector512.FusedMultiplyAdd(av, b1, c91);
            }
            if (TRows.Value > 10)
            {
                Vector512<float> av = Vector512.Create(a[10]);
                c100 = Vector512.FusedMultiplyAdd(av, b0, c100);
                c101 = Vector512.FusedMultiplyAdd(av, b1, c101);
            }
            if (TRows.Value > 11)
            {
                Vector512<float> av = Vector512.Create(a[11]);
                c110 = Vector512.FusedMultiplyAdd(av, b0, c110);
                c111 = Vector512.FusedMultiplyAdd(av, b1, c111);
            }
            a += TRows.Value;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (TRows.Value > 0)
        {
            (c00 * va).Store(c + 0 * ldc);
            (c01 * va).Store(c + 0 * ldc + 16);
        }
        if (TRows.Value > 1)
        {
            (c10 * va).Store(c + 1 * ldc);
            (c11 * va).Store(c + 1 * ldc + 16);
        }
        if (TRows.Value > 2)
        {
            (c20 * va).Store(c + 2 * ldc);
            (c21 * va).Store(c + 2 * ldc + 16);
        }
        if (TRows.Value > 3)
        {
            (c30 * va).Store(c + 3 * ldc);
            (c31 * va).Store(c + 3 * ldc + 16);
        }
        if (TRows.Value > 4)
        {
            (c40 * va).Store(c + 4 * ldc);
            (c41 * va).Store(c + 4 * ldc + 16);
        }
        if (TRows.Value > 5)
        {
            (c50 * va).Store(c + 5 * ldc);
            (c51 * va).Store(c + 5 * ldc + 16);
        }
        if (TRows.Value > 6)
        {
            (c60 * va).Store(c + 6 * ldc);
            (c61 * va).Store(c + 6 * ldc + 16);
        }
        if (TRows.Value > 7)
        {
            (c70 * va).Store(c + 7 * ldc);
            (c71 * va).Store(c + 7 * ldc + 16);
        }
        if (TRows.Value > 8)
        {
            (c80 * va).Store(c + 8 * ldc);
            (c81 * va).Store(c + 8 * ldc + 16);
        }
        if (TRows.Value > 9)
        {
            (c90 * va).Store(c + 9 * ldc);
            (c91 * va).Store(c + 9 * ldc + 16);
        }
        if (TRows.Value > 10)
        {
            (c100 * va).Store(c + 10 * ldc);
            (c101 * va).Store(c + 10 * ldc + 16);
        }
        if (TRows.Value > 11)
        {
            (c110 * va).Store(c + 11 * ldc);
            (c111 * va).Store(c + 11 * ldc + 16);
        }
    }

    /// <summary>6×16 tile with <see cref="Vector256{T}"/> (AVX2 + FMA).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }

        Vector256<float> va = Vector256.Create(alpha);
        Vector256<float> vb = Vector256.Create(beta);
        bool readC = beta != 0f;
        Update256(c, c00, c01, va, vb, readC); c += ldc;
        Update256(c, c10, c11, va, vb, readC); c += ldc;
        Update256(c, c20, c21, va, vb, readC); c += ldc;
        Update256(c, c30, c31, va, vb, readC); c += ldc;
        Update256(c, c40, c41, va, vb, readC); c += ldc;
        Update256(c, c50, c51, va, vb, readC);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update256(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> va, Vector256<float> vb, bool readC)
    {
        if (readC)
        {
            Vector256.FusedMultiplyAdd(x0, va, Vector256.Load(c) * vb).Store(c);
            Vector256.FusedMultiplyAdd(x1, va, Vector256.Load(c + 8) * vb).Store(c + 8);
        }
        else
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + 8);
        }
    }

    /// <summary>4×8 tile with <see cref="Vector128{T}"/>, without fused multiply-add (portable).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel4x8(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> av = Vector128.Create(a[0]);
            c00 += av * b0;
            c01 += av * b1;
            av = Vector128.Create(a[1]);
            c10 += av * b0;
            c11 += av * b1;
            av = Vector128.Create(a[2]);
            c20 += av * b0;
            c21 += av * b1;
            av = Vector128.Create(a[3]);
            c30 += av * b0;
            c31 += av * b1;
            a += 4;
            b += 8;
        }

        Vector128<float> va = Vector128.Create(alpha);
        Vector128<float> vb = Vector128.Create(beta);
        bool readC = beta != 0f;
        Update128(c, c00, c01, va, vb, readC); c += ldc;
        Update128(c, c10, c11, va, vb, readC); c += ldc;
        Update128(c, c20, c21, va, vb, readC); c += ldc;
        Update128(c, c30, c31, va, vb, readC);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update128(float* c, Vector128<float> x0, Vector128<float> x1, Vector128<float> va, Vector128<float> vb, bool readC)
    {
        if (readC)
        {
            (x0 * va + Vector128.Load(c) * vb).Store(c);
            (x1 * va + Vector128.Load(c + 4) * vb).Store(c + 4);
        }
        else
        {
            (x0 * va).Store(c);
            (x1 * va).Store(c + 4);
        }
    }
}

/// <summary>A number of rows known to the JIT as a constant, for <see cref="GemmMicroKernels.KernelRowsx32{TRows}"/>.</summary>
internal interface IRowCount
{
    /// <summary>The row count.</summary>
    static abstract int Value { get; }
}

#pragma warning disable CS1591, SA1402 // one-line constant types
internal readonly struct Rows1 : IRowCount { public static int Value => 1; }
internal readonly struct Rows2 : IRowCount { public static int Value => 2; }
internal readonly struct Rows3 : IRowCount { public static int Value => 3; }
internal readonly struct Rows4 : IRowCount { public static int Value => 4; }
internal readonly struct Rows5 : IRowCount { public static int Value => 5; }
internal readonly struct Rows6 : IRowCount { public static int Value => 6; }
internal readonly struct Rows7 : IRowCount { public static int Value => 7; }
internal readonly struct Rows8 : IRowCount { public static int Value => 8; }
internal readonly struct Rows9 : IRowCount { public static int Value => 9; }
internal readonly struct Rows10 : IRowCount { public static int Value => 10; }
internal readonly struct Rows11 : IRowCount { public static int Value => 11; }
internal readonly struct Rows12 : IRowCount { public static int Value => 12; }
#pragma warning restore CS1591, SA1402
