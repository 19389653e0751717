using System.Runtime.CompilerServices;

namespace Nabla.Tensors;

/// <summary>
/// A right-hand matrix op(B), k×n, packed once into the micro-panel layout of <see cref="Gemm"/>'s kernel and then
/// multiplied many times on the calling thread: <c>C[rows, n] = A[rows, k]·op(B) + beta·C</c>.
/// </summary>
/// <remarks>
/// <para>A recurrent layer multiplies the same recurrent weights by the state at every time step (28 times per batch
/// for image rows). <see cref="Gemm.Multiply(ReadOnlySpan{float}, bool, ReadOnlySpan{float}, bool, Span{float}, int, int, int, float, float)"/>
/// would pack those weights again at each of those calls; here they are packed once per batch and stay resident (a
/// 128-unit LSTM's 128×512 weights are 256 KB, which stays in a core's L2 cache across the steps). Only the few rows
/// of A (the state) are packed per call, one micro-panel at a time.</para>
/// <para>The same micro-kernel as the GEMM (<see cref="GemmMicroKernels"/>: 8×32 on AVX-512, 6×16 on AVX2, 4×8
/// portable), and k cut into blocks of at most <see cref="Gemm.KcMax"/>, evenly. Each element of C is the same sum in
/// the same order whichever rows are computed with it, provided row ranges start at multiples of <see cref="RowTile"/>
/// (tiles then line up): callers that split rows between threads do so, and get results independent of the split.</para>
/// </remarks>
internal sealed unsafe class PackedMatrix
{
    // One A micro-panel (mr × k) per thread, grown on demand and kept: nothing is allocated per call.
    [ThreadStatic]
    private static float[]? t_aPanel;

    private readonly Gemm.KernelChoice _kernel = Gemm.KernelChoice.Current;
    private float[] _storage = [];
    private int _kc;

    /// <summary>Rows of op(B).</summary>
    public int K { get; private set; }

    /// <summary>Columns of op(B) and of C.</summary>
    public int N { get; private set; }

    /// <summary>Rows of C computed together; row ranges that start at multiples of it give split-independent results.</summary>
    public int RowTile => _kernel.MR;

    /// <summary>Packs op(B): B stored k×n, or n×k when <paramref name="transpose"/> (op(B) = Bᵀ).</summary>
    public void Pack(ReadOnlySpan<float> b, bool transpose, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (b.Length < (long)k * n)
        {
            throw new ArgumentException($"B holds {b.Length} values; a {k}×{n} matrix needs {(long)k * n}.", nameof(b));
        }

        int nr = _kernel.NR, panels = (n + nr - 1) / nr;
        int blocks = (k + Gemm.KcMax - 1) / Gemm.KcMax;
        (K, N, _kc) = (k, n, (k + blocks - 1) / blocks);
        int needed = k * panels * nr;
        if (_storage.Length < needed)
        {
            _storage = GC.AllocateUninitializedArray<float>(needed, pinned: true);
        }

        fixed (float* pb = b)
        fixed (float* packed = _storage)
        {
            for (int p0 = 0; p0 < k; p0 += _kc)
            {
                int kc = Math.Min(_kc, k - p0);
                for (int q = 0; q < panels; q++)
                {
                    // Block p0, panel q: kc rows × nr columns, after the blocks before it (p0·panels·nr values).
                    GemmPacking.PackBPanel(pb, transpose ? k : n, transpose, p0, kc, q * nr, n, nr, packed + ((nint)p0 * panels + (nint)q * kc) * nr);
                }
            }
        }
    }

    /// <summary>
    /// <c>C = A·op(B) + beta·C</c> for <paramref name="rows"/> rows: A's row i is <c>a[i·lda .. i·lda + K)</c>, C's row i
    /// is <c>c[i·ldc .. i·ldc + N)</c>. C is not read when <paramref name="beta"/> is 0.
    /// </summary>
    public void Multiply(ReadOnlySpan<float> a, int lda, int rows, Span<float> c, int ldc, float beta)
    {
        if (rows <= 0)
        {
            return;
        }

        if (K == 0 || lda < K || ldc < N || a.Length < (long)(rows - 1) * lda + K || c.Length < (long)(rows - 1) * ldc + N)
        {
            throw new ArgumentException($"PackedMatrix.Multiply: {rows} rows of A (stride {lda}, {a.Length} values) or C (stride {ldc}, {c.Length} values) do not fit a packed {K}×{N} matrix.");
        }

        int mr = _kernel.MR, nr = _kernel.NR, panels = (N + nr - 1) / nr;
        float[] aPanel = t_aPanel is { } existing && existing.Length >= mr * K ? existing : (t_aPanel = new float[Math.Max(mr * K, 4096)]);
        var kernel = _kernel.Kernel;
        float* tile = stackalloc float[mr * nr];
        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (float* packedA = aPanel)
        fixed (float* packed = _storage)
        {
            for (int row = 0; row < rows; row += mr)
            {
                int tileRows = Math.Min(mr, rows - row);
                for (int p0 = 0; p0 < K; p0 += _kc)
                {
                    GemmPacking.PackAPanel(pa, lda, false, p0, Math.Min(_kc, K - p0), row, rows, mr, packedA + (nint)p0 * mr);
                }

                for (int q = 0; q < panels; q++)
                {
                    int column = q * nr, tileColumns = Math.Min(nr, N - column);
                    float* cTile = pc + (nint)row * ldc + column;
                    for (int p0 = 0; p0 < K; p0 += _kc)
                    {
                        int kc = Math.Min(_kc, K - p0);
                        float blockBeta = p0 == 0 ? beta : 1f;
                        float* bPanel = packed + ((nint)p0 * panels + (nint)q * kc) * nr;
                        if (tileRows == mr && tileColumns == nr)
                        {
                            kernel(kc, packedA + (nint)p0 * mr, bPanel, cTile, ldc, 1f, blockBeta);
                        }
                        else
                        {
                            kernel(kc, packedA + (nint)p0 * mr, bPanel, tile, nr, 1f, 0f);
                            Merge(tile, nr, cTile, ldc, tileRows, tileColumns, blockBeta);
                        }
                    }
                }
            }
        }
    }

    /// <summary>An edge tile into C: <c>c = tile + beta·c</c> (as the kernel's own update, one rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* tile, int tileStride, float* c, nint ldc, int rows, int columns, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            float* source = tile + r * tileStride, target = c + r * ldc;
            for (int j = 0; j < columns; j++)
            {
                target[j] = beta == 0f ? source[j] : MathF.FusedMultiplyAdd(source[j], 1f, beta * target[j]);
            }
        }
    }
}
