using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nabla.Threading;

namespace Nabla.Tensors;

/// <summary>
/// <c>C += (A·scale)ᵀ·D</c> for A a matrix of bytes (rows picked by an index list) and D with at most 12 columns: the
/// weight gradient dW = Xᵀ·dY of a first layer with few outputs that reads 8-bit pixels straight from a compact
/// dataset, as the tutorials' 784-10-10 network does over 10,000 images.
/// </summary>
/// <remarks>
/// A is read in place, 32 of its columns at a time (a strip): for each row i, the strip's 32 bytes become two vectors
/// of floats (the scale is applied once, to the sums), and each of the n values D[i, j] is broadcast and
/// multiply-added into 2·n accumulators — one per (16 columns of A, column of D) — which stay in registers over a
/// block of 256 rows. The column count of D and the strip width are type parameters, so the JIT keeps exactly the
/// live accumulators. A's bytes are a quarter of the floats they stand for, so each strip re-reading the block from
/// cache costs little. The threads split the strips. The sums run in another order than the float path's, so results
/// agree with it to rounding, not bit for bit.
/// </remarks>
internal static unsafe class GemmBytesTransposed
{
    // Rows of A per block (see Job.Execute): 256 rows of a 32-column strip are 256 cache lines, 16 KB of L1.
    private const int RowBlock = 256;

    [ThreadStatic]
    private static Job? t_job;

    /// <summary>Whether this CPU can use the path.</summary>
    public static bool IsSupported => GemmSmallN.BytesSupported;

    /// <summary>C (k×n, row-major) += (A·scale)ᵀ·D; row i of A is <c>a[rowIndex[i]·k ..]</c>, D is m×n row-major.</summary>
    public static void MultiplyAdd(byte* a, int* rowIndex, float scale, float* d, float* c, int m, int k, int n)
    {
        if (m == 0 || k == 0)
        {
            return;
        }

        (t_job ??= new Job()).Run(a, rowIndex, scale, d, c, m, k, n);
    }

    /// <summary>One strip of 16·TWidth columns of A, starting at column p, over all m ≥ 1 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strip<TColumns, TWidth>(byte* a, int* rowIndex, float scale, float* d, float* c, int m, int k, int p, float* sums)
        where TColumns : struct, IRowCount
        where TWidth : struct, IRowCount
    {
        int n = TColumns.Value;
        Vector512<float> a0c0 = default, a0c1 = default, a0c2 = default, a0c3 = default, a0c4 = default, a0c5 = default, a0c6 = default, a0c7 = default, a0c8 = default, a0c9 = default, a0c10 = default, a0c11 = default;
        Vector512<float> a1c0 = default, a1c1 = default, a1c2 = default, a1c3 = default, a1c4 = default, a1c5 = default, a1c6 = default, a1c7 = default, a1c8 = default, a1c9 = default, a1c10 = default, a1c11 = default;
        int i = 0;
        do
        {
            byte* row = a + (nint)rowIndex[i] * k + p;
            float* dRow = d + (nint)i * n;
            Vector512<float> x0 = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(row)));
            Vector512<float> x1 = TWidth.Value > 1
                ? Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(row + 16)))
                : default;
                if (TColumns.Value > 0)
                {
                    Vector512<float> dij = Vector512.Create(dRow[0]);
                    a0c0 = Vector512.FusedMultiplyAdd(x0, dij, a0c0);
                    if (TWidth.Value > 1)
                    {
                        a1c0 = Vector512.FusedMultiplyAdd(x1, dij, a1c0);
                    }
                }
                if (TColumns.Value > 1)
                {
                    Vector512<float> dij = Vector512.Create(dRow[1]);
                    a0c1 = Vector512.FusedMultiplyAdd(x0, dij, a0c1);
                    if (TWidth.Value > 1)
                    {
                        a1c1 = Vector512.FusedMultiplyAdd(x1, dij, a1c1);
                    }
                }
                if (TColumns.Value > 2)
                {
                    Vector512<float> dij = Vector512.Create(dRow[2]);
                    a0c2 = Vector512.FusedMultiplyAdd(x0, dij, a0c2);
                    if (TWidth.Value > 1)
                    {
                        a1c2 = Vector512.FusedMultiplyAdd(x1, dij, a1c2);
                    }
                }
                if (TColumns.Value > 3)
                {
                    Vector512<float> dij = Vector512.Create(dRow[3]);
                    a0c3 = Vector512.FusedMultiplyAdd(x0, dij, a0c3);
                    if (TWidth.Value > 1)
                    {
                        a1c3 = Vector512.FusedMultiplyAdd(x1, dij, a1c3);
                    }
                }
                if (TColumns.Value > 4)
                {
                    Vector512<float> dij = Vector512.Create(dRow[4]);
                    a0c4 = Vector512.FusedMultiplyAdd(x0, dij, a0c4);
                    if (TWidth.Value > 1)
                    {
                        a1c4 = Vector512.FusedMultiplyAdd(x1, dij, a1c4);
                    }
                }
                if (TColumns.Value > 5)
                {
                    Vector512<float> dij = Vector512.Create(dRow[5]);
                    a0c5 = Vector512.FusedMultiplyAdd(x0, dij, a0c5);
                    if (TWidth.Value > 1)
                    {
                        a1c5 = Vector512.FusedMultiplyAdd(x1, dij, a1c5);
                    }
                }
                if (TColumns.Value > 6)
                {
                    Vector512<float> dij = Vector512.Create(dRow[6]);
                    a0c6 = Vector512.FusedMultiplyAdd(x0, dij, a0c6);
                    if (TWidth.Value > 1)
                    {
                        a1c6 = Vector512.FusedMultiplyAdd(x1, dij, a1c6);
                    }
                }
                if (TColumns.Value > 7)
                {
                    Vector512<float> dij = Vector512.Create(dRow[7]);
                    a0c7 = Vector512.FusedMultiplyAdd(x0, dij, a0c7);
                    if (TWidth.Value > 1)
                    {
                        a1c7 = Vector512.FusedMultiplyAdd(x1, dij, a1c7);
                    }
                }
                if (TColumns.Value > 8)
                {
                    Vector512<float> dij = Vector512.Create(dRow[8]);
                    a0c8 = Vector512.FusedMultiplyAdd(x0, dij, a0c8);
                    if (TWidth.Value > 1)
                    {
                        a1c8 = Vector512.FusedMultiplyAdd(x1, dij, a1c8);
                    }
                }
                if (TColumns.Value > 9)
                {
                    Vector512<float> dij = Vector512.Create(dRow[9]);
                    a0c9 = Vector512.FusedMultiplyAdd(x0, dij, a0c9);
                    if (TWidth.Value > 1)
                    {
                        a1c9 = Vector512.FusedMultiplyAdd(x1, dij, a1c9);
                    }
                }
                if (TColumns.Value > 10)
                {
                    Vector512<float> dij = Vector512.Create(dRow[10]);
                    a0c10 = Vector512.FusedMultiplyAdd(x0, dij, a0c10);
                    if (TWidth.Value > 1)
                    {
                        a1c10 = Vector512.FusedMultiplyAdd(x1, dij, a1c10);
                    }
                }
                if (TColumns.Value > 11)
                {
                    Vector512<float> dij = Vector512.Create(dRow[11]);
                    a0c11 = Vector512.FusedMultiplyAdd(x0, dij, a0c11);
                    if (TWidth.Value > 1)
                    {
                        a1c11 = Vector512.FusedMultiplyAdd(x1, dij, a1c11);
                    }
                }
            i++;
        }
        while (i < m);

        // sums[j·32 + l] is the total for column p + l of A and column j of D; C is stored the other way round
        if (TColumns.Value > 0)
        {
            *(Vector512<float>*)(sums + 0 * 32) = a0c0;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 0 * 32 + 16) = a1c0;
            }
        }
        if (TColumns.Value > 1)
        {
            *(Vector512<float>*)(sums + 1 * 32) = a0c1;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 1 * 32 + 16) = a1c1;
            }
        }
        if (TColumns.Value > 2)
        {
            *(Vector512<float>*)(sums + 2 * 32) = a0c2;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 2 * 32 + 16) = a1c2;
            }
        }
        if (TColumns.Value > 3)
        {
            *(Vector512<float>*)(sums + 3 * 32) = a0c3;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 3 * 32 + 16) = a1c3;
            }
        }
        if (TColumns.Value > 4)
        {
            *(Vector512<float>*)(sums + 4 * 32) = a0c4;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 4 * 32 + 16) = a1c4;
            }
        }
        if (TColumns.Value > 5)
        {
            *(Vector512<float>*)(sums + 5 * 32) = a0c5;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 5 * 32 + 16) = a1c5;
            }
        }
        if (TColumns.Value > 6)
        {
            *(Vector512<float>*)(sums + 6 * 32) = a0c6;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 6 * 32 + 16) = a1c6;
            }
        }
        if (TColumns.Value > 7)
        {
            *(Vector512<float>*)(sums + 7 * 32) = a0c7;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 7 * 32 + 16) = a1c7;
            }
        }
        if (TColumns.Value > 8)
        {
            *(Vector512<float>*)(sums + 8 * 32) = a0c8;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 8 * 32 + 16) = a1c8;
            }
        }
        if (TColumns.Value > 9)
        {
            *(Vector512<float>*)(sums + 9 * 32) = a0c9;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 9 * 32 + 16) = a1c9;
            }
        }
        if (TColumns.Value > 10)
        {
            *(Vector512<float>*)(sums + 10 * 32) = a0c10;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 10 * 32 + 16) = a1c10;
            }
        }
        if (TColumns.Value > 11)
        {
            *(Vector512<float>*)(sums + 11 * 32) = a0c11;
            if (TWidth.Value > 1)
            {
                *(Vector512<float>*)(sums + 11 * 32 + 16) = a1c11;
            }
        }
        for (int l = 0; l < 16 * TWidth.Value; l++)
        {
            float* cRow = c + (nint)(p + l) * n;
            for (int j = 0; j < n; j++)
            {
                cRow[j] += sums[j * 32 + l] * scale; // the bytes were summed unscaled
            }
        }
    }

    private sealed class Job : IParallelWork
    {
        private byte* _a;
        private int* _rowIndex;
        private float* _d, _c;
        private int _m, _k, _n;
        private float _scale;

        public void Run(byte* a, int* rowIndex, float scale, float* d, float* c, int m, int k, int n)
        {
            _a = a;
            _rowIndex = rowIndex;
            _d = d;
            _c = c;
            (_scale, _m, _k, _n) = (scale, m, k, n);
            long multiplyAdds = (long)m * n * k;
            int threads = (int)Math.Clamp(multiplyAdds / (1L << 16), 1, ParallelWorkers.Shared.ThreadCount);
            try
            {
                ParallelWorkers.Shared.Run(this, threads);
            }
            finally
            {
                _a = null;
                _rowIndex = null;
                _d = null;
                _c = null;
            }
        }

        public void Execute(int thread, int threads)
        {
            // strips of 32 columns, then one of 16 if left, then the last k % 16 columns one by one (last thread)
            int wide = _k / 32, narrow = _k % 32 >= 16 ? 1 : 0, strips = wide + narrow;
            int first = (int)((long)strips * thread / threads), last = (int)((long)strips * (thread + 1) / threads);
            float* sums = stackalloc float[12 * 32];
            var wideKernel = Kernel<Rows2>(_n);
            var narrowKernel = Kernel<Rows1>(_n);
            // Rows in blocks: a block's cache lines stay in L1 while the strips that share them (two per 64-byte line)
            // go over it, and each strip's sums are added into C once per block.
            for (int block = 0; block < _m; block += RowBlock)
            {
                int rows = Math.Min(RowBlock, _m - block);
                int* blockRows = _rowIndex + block;
                float* blockD = _d + (nint)block * _n;
                for (int s = first; s < last; s++)
                {
                    if (s < wide)
                    {
                        wideKernel(_a, blockRows, _scale, blockD, _c, rows, _k, s * 32, sums);
                    }
                    else
                    {
                        narrowKernel(_a, blockRows, _scale, blockD, _c, rows, _k, wide * 32, sums);
                    }
                }
            }

            if (thread == threads - 1)
            {
                for (int p = wide * 32 + narrow * 16; p < _k; p++)
                {
                    for (int j = 0; j < _n; j++)
                    {
                        float sum = 0f;
                        for (int i = 0; i < _m; i++)
                        {
                            sum = MathF.FusedMultiplyAdd(_a[(nint)_rowIndex[i] * _k + p] * _scale, _d[(nint)i * _n + j], sum);
                        }

                        _c[(nint)p * _n + j] += sum;
                    }
                }
            }
        }

        private static delegate*<byte*, int*, float, float*, float*, int, int, int, float*, void> Kernel<TWidth>(int n)
            where TWidth : struct, IRowCount => n switch
        {
            1 => &Strip<Rows1, TWidth>,
            2 => &Strip<Rows2, TWidth>,
            3 => &Strip<Rows3, TWidth>,
            4 => &Strip<Rows4, TWidth>,
            5 => &Strip<Rows5, TWidth>,
            6 => &Strip<Rows6, TWidth>,
            7 => &Strip<Rows7, TWidth>,
            8 => &Strip<Rows8, TWidth>,
            9 => &Strip<Rows9, TWidth>,
            10 => &Strip<Rows10, TWidth>,
            11 => &Strip<Rows11, TWidth>,
            _ => &Strip<Rows12, TWidth>,
        };
    }
}
