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
            // op(A)[i, p] = a[p·lda + i]: each p is a contiguous run of rows.
            CopyRuns(a + (nint)p0 * lda + rowStart, lda, kc, rows, mr, dest);
        }
        else
        {
            // op(A)[i, p] = a[i·lda + p]: each stored row becomes a column of the panel.
            Transpose(a + (nint)rowStart * lda + p0, lda, rows, kc, mr, dest);
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
            // op(B)[p, j] = b[j·ldb + p]: each stored row becomes a column of the panel.
            Transpose(b + (nint)columnStart * ldb + p0, ldb, columns, kc, nr, dest);
        }
        else
        {
            // op(B)[p, j] = b[p·ldb + j]: each p is a contiguous run of columns.
            CopyRuns(b + (nint)p0 * ldb + columnStart, ldb, kc, columns, nr, dest);
        }
    }

    /// <summary><c>dest[p·width + c] = source[p·stride + c]</c> for c &lt; count, zero for count ≤ c &lt; width.</summary>
    private static void CopyRuns(float* source, nint stride, int runs, int count, int width, float* dest)
    {
        // Runs are short (MR or NR values), so an inline vector loop beats a CopyTo call per run.
        for (int p = 0; p < runs; p++)
        {
            float* from = source + p * stride, to = dest + (nint)p * width;
            int c = 0;
            for (; c + 8 <= count; c += 8)
            {
                Vector256.Store(Vector256.Load(from + c), to + c);
            }

            for (; c < count; c++)
            {
                to[c] = from[c];
            }

            for (; c < width; c++)
            {
                to[c] = 0f;
            }
        }
    }

    /// <summary>
    /// <c>dest[p·width + r] = source[r·stride + p]</c> for r &lt; lines and p &lt; depth, zero for lines ≤ r &lt; width:
    /// 8×8 blocks go through registers, the rest is scalar (each line read sequentially, written with stride width).
    /// </summary>
    private static void Transpose(float* source, nint stride, int lines, int depth, int width, float* dest)
    {
        int blockedLines = 0, blockedDepth = 0;
        if (Avx.IsSupported && width % 8 == 0)
        {
            blockedLines = lines / 8 * 8;
            blockedDepth = depth / 8 * 8;
            for (int r = 0; r < blockedLines; r += 8)
            {
                for (int p = 0; p < blockedDepth; p += 8)
                {
                    Transpose8x8(source + r * stride + p, stride, dest + (nint)p * width + r, width);
                }
            }
        }

        for (int r = 0; r < lines; r++)
        {
            float* line = source + r * stride;
            for (int p = r < blockedLines ? blockedDepth : 0; p < depth; p++)
            {
                dest[(nint)p * width + r] = line[p];
            }
        }

        for (int r = lines; r < width; r++)
        {
            for (int p = 0; p < depth; p++)
            {
                dest[(nint)p * width + r] = 0f;
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
