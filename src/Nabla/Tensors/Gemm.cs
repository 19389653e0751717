using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Threading;

namespace Nabla.Tensors;

/// <summary>
/// General matrix multiply, <c>C = alpha·op(A)·op(B) + beta·C</c>, on row-major float32 matrices, where op(X) is
/// X or Xᵀ. op(A) is m×k, op(B) is k×n and C is m×n.
/// </summary>
/// <remarks>
/// <para>
/// A neural network spends most of its time here: a dense layer's forward pass is Y = X·W (no transposes), its
/// backward pass needs dX = dY·Wᵀ (B transposed) and dW = Xᵀ·dY (A transposed).
/// </para>
/// <para>
/// The algorithm is the Goto/BLIS one. K is cut into blocks of about <see cref="KcMax"/> (one A micro-panel then
/// fits in L1), N into blocks of up to <see cref="NcMax"/> columns (the packed B block, shared by the threads,
/// fits in their L2 caches), M into blocks of up to <see cref="McMax"/> rows (the packed A block stays in L3).
/// Within a block every MR×NR tile of C is one call of a register-tiled micro-kernel
/// (<see cref="GemmMicroKernels"/>). The threads of <see cref="ParallelWorkers"/> split the tiles of each block
/// between them (by column panels when there are enough, else by row panels), pack the panels they will use,
/// and meet at a spinning barrier before and after the arithmetic.
/// </para>
/// <para>
/// Calls from several threads at once are safe: each thread has its own packing buffers, and they take turns for
/// the worker threads.
/// </para>
/// </remarks>
public static unsafe class Gemm
{
    internal const int KcMax = 256;
    internal const int McMax = 1024;
    internal const int NcMax = 1024;

    // Below this many multiply-adds a second thread costs more than it saves.
    private const long MinMultiplyAddsPerThread = 1L << 16;

    // One job (its packing buffers) per calling thread: calls from different threads, or from the shares of a
    // data-parallel job, never wait for each other here.
    [ThreadStatic]
    private static GemmJob? t_job;

    private static GemmJob Job => t_job ??= new GemmJob();

    /// <summary>Which micro-kernel this process uses: "avx512 8x32", "avx2 6x16" or "portable 4x8".</summary>
    public static string KernelName => KernelChoice.Current.Name;

    /// <summary>
    /// Computes <c>C = alpha·op(A)·op(B) + beta·C</c> on contiguous row-major matrices.
    /// </summary>
    /// <param name="a">A, stored m×k, or k×m when <paramref name="transposeA"/>.</param>
    /// <param name="transposeA">Whether op(A) = Aᵀ.</param>
    /// <param name="b">B, stored k×n, or n×k when <paramref name="transposeB"/>.</param>
    /// <param name="transposeB">Whether op(B) = Bᵀ.</param>
    /// <param name="c">C, m×n. Not read when <paramref name="beta"/> is 0 (so it may hold NaN).</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of the existing C (0 overwrites, 1 accumulates).</param>
    /// <exception cref="ArgumentException">A span is shorter than its dimensions require.</exception>
    public static void Multiply(
        ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c,
        int m, int k, int n, float alpha = 1f, float beta = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        // The shapes are formatted only on failure: this runs several times per training step.
        CheckLength(a.Length, "A", transposeA ? k : m, transposeA ? m : k);
        CheckLength(b.Length, "B", transposeB ? n : k, transposeB ? k : n);
        CheckLength(c.Length, "C", m, n);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0 || alpha == 0f)
        {
            ScaleInPlace(c[..(m * n)], beta);
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (GemmTiny.Takes(transposeA, m, k, n))
            {
                // A small output layer: one thread, no packing (see GemmTiny).
                GemmTiny.Multiply(pa, transposeA, pb, transposeB, pc, m, k, n, alpha, beta);
                return;
            }

            if (!transposeA && n <= GemmSmallN.MaxColumns && m >= 32 && k >= 16 && GemmSmallN.IsSupported)
            {
                // Few columns, A read in place: no packing of A at all (see GemmSmallN).
                GemmSmallN.Multiply(pa, k, pb, transposeB ? k : n, transposeB, pc, n, m, k, n, alpha, beta);
                return;
            }

            Job.Run(pa, transposeA ? m : k, transposeA, pb, transposeB ? k : n, transposeB, pc, n, m, k, n, alpha, beta);
        }
    }

    /// <summary>The kernels this CPU can run, for tests: each must agree with <see cref="GemmReference"/>.</summary>
    internal static IReadOnlyList<string> AvailableKernels()
    {
        var names = new List<string> { KernelChoice.Current.Name, KernelChoice.Portable.Name };
        if (KernelChoice.Narrow.Name != KernelChoice.Current.Name)
        {
            names.Add(KernelChoice.Narrow.Name);
        }

        if (KernelChoice.Current.NR == 32 && System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            names.Add(KernelChoice.Avx2.Name);
        }

        if (KernelChoice.Transposed.Length > 0)
        {
            names.Add(TransposedKernels);
        }

        if (GemmSmallN.IsSupported)
        {
            names.Add(DirectKernels);
        }

        if (GemmTiny.IsSupported)
        {
            names.Add(TinyKernels);
        }

        return names;
    }

    /// <summary>The name <see cref="AvailableKernels"/> gives the transposed small-n path (used when n ≤ 12).</summary>
    internal const string TransposedKernels = "avx512 nx32 transposed";

    /// <summary>The name <see cref="AvailableKernels"/> gives the in-place small-n path (<see cref="GemmSmallN"/>).</summary>
    internal const string DirectKernels = "avx512 direct small-n";

    /// <summary>The name <see cref="AvailableKernels"/> gives the single-thread path for small heads (<see cref="GemmTiny"/>).</summary>
    internal const string TinyKernels = "avx512 tiny";

    /// <summary>Same as the public overload, but with a named kernel (one of <see cref="AvailableKernels"/>).</summary>
    internal static void MultiplyWithKernel(string kernel,
        ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c,
        int m, int k, int n, float alpha, float beta)
    {
        if (kernel == TinyKernels && GemmTiny.Takes(transposeA, m, k, n) && m > 0 && n > 0 && k > 0 && alpha != 0f)
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                GemmTiny.Multiply(pa, transposeA, pb, transposeB, pc, m, k, n, alpha, beta);
            }

            return;
        }

        if (kernel == TransposedKernels || kernel == DirectKernels || kernel == TinyKernels)
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                if (kernel == DirectKernels && !transposeA && n <= GemmSmallN.MaxColumns && k >= 16)
                {
                    GemmSmallN.Multiply(pa, k, pb, transposeB ? k : n, transposeB, pc, n, m, k, n, alpha, beta);
                    return;
                }

                // The packed path, which takes the transposed n×32 route whenever n ≤ 12 and m ≥ 32.
                    Job.Run(pa, transposeA ? m : k, transposeA, pb, transposeB ? k : n, transposeB, pc, n, m, k, n, alpha, beta);
            }

            return;
        }

        KernelChoice choice = kernel == KernelChoice.Portable.Name ? KernelChoice.Portable
            : kernel == KernelChoice.Narrow.Name ? KernelChoice.Narrow
            : kernel == KernelChoice.Avx2.Name ? KernelChoice.Avx2
            : KernelChoice.Current;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Job.Run(pa, transposeA ? m : k, transposeA, pb, transposeB ? k : n, transposeB, pc, n, m, k, n, alpha, beta, choice);
        }
    }

    /// <summary>
    /// Computes <c>C = alpha·op(A)·op(B) + beta·C</c> on tensors of rank 2, checking that the shapes agree.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not agree; the message names them.</exception>
    public static void Multiply(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, float alpha = 1f, float beta = 0f)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        if (a.Rank != 2 || b.Rank != 2 || c.Rank != 2)
        {
            throw new ArgumentException($"Gemm needs matrices (rank 2), got A {a.Shape}, B {b.Shape}, C {c.Shape}.");
        }

        int m = transposeA ? a.Shape[1] : a.Shape[0];
        int k = transposeA ? a.Shape[0] : a.Shape[1];
        int kb = transposeB ? b.Shape[1] : b.Shape[0];
        int n = transposeB ? b.Shape[0] : b.Shape[1];
        string opA = transposeA ? $"A{a.Shape}ᵀ" : $"A{a.Shape}";
        string opB = transposeB ? $"B{b.Shape}ᵀ" : $"B{b.Shape}";
        if (k != kb)
        {
            throw new ArgumentException($"Gemm: inner dimensions differ: {opA} · {opB} ({k} vs {kb}).");
        }

        if (c.Shape[0] != m || c.Shape[1] != n)
        {
            throw new ArgumentException($"Gemm: {opA} · {opB} is [{m}, {n}] but C is {c.Shape}.");
        }

        Multiply(a.Span, transposeA, b.Span, transposeB, c.Span, m, k, n, alpha, beta);
    }

    private static void CheckLength(int actual, string name, int rows, int columns)
    {
        if (actual < (long)rows * columns)
        {
            throw new ArgumentException($"Gemm: {name} should hold [{rows}, {columns}] = {(long)rows * columns} values but has {actual}.");
        }
    }

    private static void ScaleInPlace(Span<float> c, float beta)
    {
        if (beta == 0f)
        {
            c.Clear();
        }
        else if (beta != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(c, beta, c);
        }
    }

    /// <summary>The micro-kernel and its tile size, chosen once for this CPU.</summary>
    internal readonly struct KernelChoice
    {
        public static readonly KernelChoice Current = Select();

        public readonly string Name;
        public readonly int MR;
        public readonly int NR;
        public readonly delegate*<int, float*, float*, float*, nint, float, float, void> Kernel;

        private KernelChoice(string name, int mr, int nr, delegate*<int, float*, float*, float*, nint, float, float, void> kernel)
        {
            Name = name;
            MR = mr;
            NR = nr;
            Kernel = kernel;
        }

        /// <summary>The kernel for products with at most 16 columns, where one exists.</summary>
        public static readonly KernelChoice Narrow = Current.NR == 32
            ? new KernelChoice("avx512 16x16", 16, 16, &GemmMicroKernels.Kernel16x16)
            : Current;

        /// <summary>For products with n ≤ 12 columns, computed transposed: index n gives the n×32 kernel (AVX-512 only).</summary>
        public static readonly KernelChoice[] Transposed = Current.NR == 32
            ?
            [
                default,
                new("avx512 1x32 transposed", 1, 32, &GemmMicroKernels.KernelRowsx32<Rows1>),
                new("avx512 2x32 transposed", 2, 32, &GemmMicroKernels.KernelRowsx32<Rows2>),
                new("avx512 3x32 transposed", 3, 32, &GemmMicroKernels.KernelRowsx32<Rows3>),
                new("avx512 4x32 transposed", 4, 32, &GemmMicroKernels.KernelRowsx32<Rows4>),
                new("avx512 5x32 transposed", 5, 32, &GemmMicroKernels.KernelRowsx32<Rows5>),
                new("avx512 6x32 transposed", 6, 32, &GemmMicroKernels.KernelRowsx32<Rows6>),
                new("avx512 7x32 transposed", 7, 32, &GemmMicroKernels.KernelRowsx32<Rows7>),
                new("avx512 8x32 transposed", 8, 32, &GemmMicroKernels.KernelRowsx32<Rows8>),
                new("avx512 9x32 transposed", 9, 32, &GemmMicroKernels.KernelRowsx32<Rows9>),
                new("avx512 10x32 transposed", 10, 32, &GemmMicroKernels.KernelRowsx32<Rows10>),
                new("avx512 11x32 transposed", 11, 32, &GemmMicroKernels.KernelRowsx32<Rows11>),
                new("avx512 12x32 transposed", 12, 32, &GemmMicroKernels.KernelRowsx32<Rows12>),
            ]
            : [];

        public static KernelChoice Avx2 => new("avx2 6x16", 6, 16, &GemmMicroKernels.Kernel6x16);

        public static KernelChoice Portable => new("portable 4x8", 4, 8, &GemmMicroKernels.Kernel4x8);

        private static KernelChoice Select()
        {
            string? forced = Environment.GetEnvironmentVariable("NABLA_GEMM_KERNEL");
            if (Vector512.IsHardwareAccelerated && forced is null or "avx512")
            {
                return new KernelChoice("avx512 8x32", 8, 32, &GemmMicroKernels.Kernel8x32);
            }

            if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported && forced is null or "avx2" or "avx512")
            {
                return Avx2;
            }

            return Portable;
        }
    }

    /// <summary>The state of one multiplication, shared by the threads that compute it.</summary>
    private sealed class GemmJob : IParallelWork
    {
        private readonly SpinBarrier _barrier = new();
        private float* _packedA;
        private float* _packedB;

        ~GemmJob()
        {
            // a thread's job dies with the thread
            NativeMemory.AlignedFree(_packedA);
            NativeMemory.AlignedFree(_packedB);
        }

        private nint _packedACapacity;
        private nint _packedBCapacity;

        private float* _a, _b, _c;
        private nint _lda, _ldb, _ldc;
        private bool _transposeA, _transposeB;
        private int _m, _k, _n, _kc, _mc, _nc;
        private float _alpha, _beta;
        private KernelChoice _kernel;
        private bool _transposeOutput;

        public void Run(float* a, nint lda, bool transposeA, float* b, nint ldb, bool transposeB, float* c, nint ldc,
            int m, int k, int n, float alpha, float beta, KernelChoice? kernel = null)
        {
            _transposeOutput = false;
            if (kernel is null && n < KernelChoice.Transposed.Length && m >= 32)
            {
                // Few columns (a classifier's output layer): compute Cᵀ = op(B)ᵀ·op(A)ᵀ so the n columns become the
                // kernel's broadcast rows and every vector lane works; tiles are merged into C transposed.
                kernel = KernelChoice.Transposed[n];
                float* swap = a;
                a = b;
                b = swap;
                (lda, ldb) = (ldb, lda);
                (transposeA, transposeB) = (!transposeB, !transposeA);
                (m, n) = (n, m);
                _transposeOutput = true;
            }

            _kernel = kernel ?? (n <= KernelChoice.Narrow.NR ? KernelChoice.Narrow : KernelChoice.Current);
            int mr = _kernel.MR, nr = _kernel.NR;
            _a = a;
            _b = b;
            _c = c;
            (_lda, _transposeA, _ldb, _transposeB, _ldc) = (lda, transposeA, ldb, transposeB, ldc);
            (_m, _k, _n, _alpha, _beta) = (m, k, n, alpha, beta);

            // Even blocks: 784 = 4 blocks of 196 is better than 3 of 256 and one of 16.
            _kc = EvenBlock(k, KcMax, 1);
            _nc = EvenBlock(n, NcMax, nr);
            _mc = EvenBlock(m, McMax, mr);
            EnsureCapacity(ref _packedA, ref _packedACapacity, (nint)RoundUp(_mc, mr) * _kc);
            EnsureCapacity(ref _packedB, ref _packedBCapacity, (nint)RoundUp(_nc, nr) * _kc);

            long multiplyAdds = (long)m * n * k;
            int panels = Math.Max(CeilDiv(Math.Min(n, _nc), nr), CeilDiv(Math.Min(m, _mc), mr));
            int threads = (int)Math.Min(Math.Min(ParallelWorkers.Shared.ThreadCount, panels),
                Math.Max(1, multiplyAdds / MinMultiplyAddsPerThread));
            if (threads <= 1)
            {
                Execute(0, 1);
            }
            else
            {
                ParallelWorkers.Shared.Run(this, threads);
            }
        }

        public void Execute(int thread, int threads)
        {
            int mr = _kernel.MR, nr = _kernel.NR;
            var kernel = _kernel.Kernel;
            float* tile = stackalloc float[mr * nr];

            for (int pc = 0; pc < _k; pc += _kc)
            {
                int kc = Math.Min(_kc, _k - pc);
                float beta = pc == 0 ? _beta : 1f;
                for (int jc = 0; jc < _n; jc += _nc)
                {
                    int nc = Math.Min(_nc, _n - jc);
                    int columnPanels = CeilDiv(nc, nr);
                    for (int ic = 0; ic < _m; ic += _mc)
                    {
                        int mc = Math.Min(_mc, _m - ic);
                        int rowPanels = CeilDiv(mc, mr);

                        // Split the tiles by column panels when every thread gets at least two, else by row panels.
                        bool splitColumns = columnPanels >= 2 * threads || columnPanels >= rowPanels;
                        int j0 = 0, j1 = columnPanels, i0 = 0, i1 = rowPanels;
                        if (splitColumns)
                        {
                            (j0, j1) = Share(columnPanels, thread, threads);
                        }
                        else
                        {
                            (i0, i1) = Share(rowPanels, thread, threads);
                        }

                        // Each thread packs the panels it computes with; the others' come from the shared buffers.
                        if (ic == 0)
                        {
                            (int b0, int b1) = splitColumns ? (j0, j1) : Share(columnPanels, thread, threads);
                            for (int q = b0; q < b1; q++)
                            {
                                GemmPacking.PackBPanel(_b, _ldb, _transposeB, pc, kc, jc + q * nr, _n, nr, _packedB + (nint)q * kc * nr);
                            }
                        }

                        (int a0, int a1) = splitColumns ? Share(rowPanels, thread, threads) : (i0, i1);
                        for (int q = a0; q < a1; q++)
                        {
                            GemmPacking.PackAPanel(_a, _lda, _transposeA, pc, kc, ic + q * mr, _m, mr, _packedA + (nint)q * kc * mr);
                        }

                        _barrier.SignalAndWait(threads);

                        for (int ir = i0; ir < i1; ir++)
                        {
                            int row = ic + ir * mr;
                            int rows = Math.Min(mr, _m - row);
                            float* aPanel = _packedA + (nint)ir * kc * mr;
                            for (int jr = j0; jr < j1; jr++)
                            {
                                int column = jc + jr * nr;
                                int columns = Math.Min(nr, _n - column);
                                float* bPanel = _packedB + (nint)jr * kc * nr;
                                if (_transposeOutput)
                                {
                                    // Tile (row, column) of Cᵀ is C[column.., row..]: merge it transposed.
                                    kernel(kc, aPanel, bPanel, tile, nr, 1f, 0f);
                                    MergeTransposedTile(tile, nr, _c + column * _ldc + row, _ldc, rows, columns, _alpha, beta);
                                    continue;
                                }

                                float* cTile = _c + row * _ldc + column;
                                if (rows == mr && columns == nr)
                                {
                                    kernel(kc, aPanel, bPanel, cTile, _ldc, _alpha, beta);
                                }
                                else
                                {
                                    kernel(kc, aPanel, bPanel, tile, nr, 1f, 0f);
                                    MergeEdgeTile(tile, nr, cTile, _ldc, rows, columns, _alpha, beta);
                                }
                            }
                        }

                        // The next block overwrites the packed buffers: wait until everyone is done reading them.
                        _barrier.SignalAndWait(threads);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (int Start, int End) Share(int count, int part, int parts) =>
            ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

        private static void MergeEdgeTile(float* tile, int tileStride, float* c, nint ldc, int rows, int columns, float alpha, float beta)
        {
            for (int r = 0; r < rows; r++)
            {
                float* source = tile + r * tileStride;
                float* target = c + r * ldc;
                if (beta == 0f)
                {
                    for (int j = 0; j < columns; j++)
                    {
                        target[j] = alpha * source[j];
                    }
                }
                else
                {
                    for (int j = 0; j < columns; j++)
                    {
                        target[j] = MathF.FusedMultiplyAdd(alpha, source[j], beta * target[j]);
                    }
                }
            }
        }

        /// <summary><c>c[j·ldc + r] = alpha·tile[r·tileStride + j] + beta·c[j·ldc + r]</c>: a tile of Cᵀ into C.</summary>
        private static void MergeTransposedTile(float* tile, int tileStride, float* c, nint ldc, int rows, int columns, float alpha, float beta)
        {
            for (int j = 0; j < columns; j++)
            {
                float* target = c + j * ldc;
                for (int r = 0; r < rows; r++)
                {
                    float value = alpha * tile[r * tileStride + j];
                    target[r] = beta == 0f ? value : MathF.FusedMultiplyAdd(beta, target[r], value);
                }
            }
        }

        private static void EnsureCapacity(ref float* buffer, ref nint capacity, nint needed)
        {
            if (needed <= capacity)
            {
                return;
            }

            if (buffer != null)
            {
                NativeMemory.AlignedFree(buffer);
            }

            buffer = (float*)NativeMemory.AlignedAlloc((nuint)(needed * sizeof(float)), 64);
            capacity = needed;
        }

        private static int EvenBlock(int total, int max, int multiple)
        {
            int blocks = CeilDiv(total, max);
            return Math.Min(max, RoundUp(CeilDiv(total, blocks), multiple));
        }
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;
}
