using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous micro-panel layouts the micro-kernels stream through.
/// </summary>
/// <remarks>
/// Packing turns every access pattern (transposed or not) into unit-stride reads for the kernel, keeps each
/// micro-panel in consecutive cache lines, and pads partial panels with zeros so the kernel never needs a
/// remainder loop. It costs O(rows·kc) per block, against O(rows·kc·n) arithmetic.
/// </remarks>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs one micro-panel of op(A): rows [rowStart, rowStart+mr) and columns [p0, p0+kc), as
    /// <c>dest[p·mr + r] = op(A)[rowStart+r, p0+p]</c>, zero beyond row <paramref name="m"/>.
    /// </summary>
    public static void PackAPanel(float* a, nint lda, bool transposeA, int p0, int kc, int rowStart, int m, int mr, float* dest)
    {
        int rows = Math.Min(mr, m - rowStart);
        if (transposeA)
        {
            // op(A)[i, p] = a[p·lda + i]: each p is a contiguous run of `rows` values.
            for (int p = 0; p < kc; p++)
            {
                float* source = a + (nint)(p0 + p) * lda + rowStart;
                float* target = dest + (nint)p * mr;
                int r = 0;
                for (; r < rows; r++)
                {
                    target[r] = source[r];
                }

                for (; r < mr; r++)
                {
                    target[r] = 0f;
                }
            }
        }
        else
        {
            // op(A)[i, p] = a[i·lda + p]: a transpose. 8×8 blocks go through registers; the rest is scalar,
            // reading each row sequentially and writing with stride mr.
            int blockedRows = 0, blockedDepth = 0;
            if (Avx.IsSupported && mr % 8 == 0)
            {
                blockedRows = rows / 8 * 8;
                blockedDepth = kc / 8 * 8;
                for (int r = 0; r < blockedRows; r += 8)
                {
                    float* source = a + (nint)(rowStart + r) * lda + p0;
                    for (int p = 0; p < blockedDepth; p += 8)
                    {
                        Transpose8x8(source + p, lda, dest + (nint)p * mr + r, mr);
                    }
                }
            }

            for (int r = 0; r < rows; r++)
            {
                float* source = a + (nint)(rowStart + r) * lda + p0;
                float* target = dest + r;
                for (int p = r < blockedRows ? blockedDepth : 0; p < kc; p++)
                {
                    target[(nint)p * mr] = source[p];
                }
            }

            for (int r = rows; r < mr; r++)
            {
                for (int p = 0; p < kc; p++)
                {
                    dest[(nint)p * mr + r] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Packs one micro-panel of op(B): rows [p0, p0+kc) and columns [columnStart, columnStart+nr), as
    /// <c>dest[p·nr + c] = op(B)[p0+p, columnStart+c]</c>, zero beyond column <paramref name="n"/>.
    /// </summary>
    public static void PackBPanel(float* b, nint ldb, bool transposeB, int p0, int kc, int columnStart, int n, int nr, float* dest)
    {
        int columns = Math.Min(nr, n - columnStart);
        if (transposeB)
        {
            // op(B)[p, j] = b[j·ldb + p]: a transpose, done like PackAPanel's.
            int blockedColumns = 0, blockedDepth = 0;
            if (Avx.IsSupported && nr % 8 == 0)
            {
                blockedColumns = columns / 8 * 8;
                blockedDepth = kc / 8 * 8;
                for (int c = 0; c < blockedColumns; c += 8)
                {
                    float* source = b + (nint)(columnStart + c) * ldb + p0;
                    for (int p = 0; p < blockedDepth; p += 8)
                    {
                        Transpose8x8(source + p, ldb, dest + (nint)p * nr + c, nr);
                    }
                }
            }

            for (int c = 0; c < columns; c++)
            {
                float* source = b + (nint)(columnStart + c) * ldb + p0;
                float* target = dest + c;
                for (int p = c < blockedColumns ? blockedDepth : 0; p < kc; p++)
                {
                    target[(nint)p * nr] = source[p];
                }
            }

            for (int c = columns; c < nr; c++)
            {
                for (int p = 0; p < kc; p++)
                {
                    dest[(nint)p * nr + c] = 0f;
                }
            }
        }
        else
        {
            // op(B)[p, j] = b[p·ldb + j]: each p is a contiguous run of `columns` values.
            for (int p = 0; p < kc; p++)
            {
                float* source = b + (nint)(p0 + p) * ldb + columnStart;
                float* target = dest + (nint)p * nr;
                if (columns == nr)
                {
                    new ReadOnlySpan<float>(source, nr).CopyTo(new Span<float>(target, nr));
                }
                else
                {
                    int c = 0;
                    for (; c < columns; c++)
                    {
                        target[c] = source[c];
                    }

                    for (; c < nr; c++)
                    {
                        target[c] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Transposes an 8×8 block: <c>target[j·targetStride + i] = source[i·sourceStride + j]</c>, in AVX registers
    /// (unpack pairs of rows, shuffle 2×2 blocks, swap 128-bit halves).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, nint sourceStride, float* target, nint targetStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(source);
        Vector256<float> r1 = Avx.LoadVector256(source + sourceStride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * sourceStride);
        Vector256<float> r3 = Avx.LoadVector256(source + 3 * sourceStride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * sourceStride);
        Vector256<float> r5 = Avx.LoadVector256(source + 5 * sourceStride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6 * sourceStride);
        Vector256<float> r7 = Avx.LoadVector256(source + 7 * sourceStride);

        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> s7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(target, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(target + 2 * targetStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(target + 3 * targetStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(target + 4 * targetStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(target + 5 * targetStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(target + 6 * targetStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(target + 7 * targetStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
