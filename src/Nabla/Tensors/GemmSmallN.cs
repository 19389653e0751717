using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nabla.Threading;

namespace Nabla.Tensors;

/// <summary>
/// <c>C = alpha·A·op(B) + beta·C</c> for row-major A (not transposed) and at most 12 columns — the forward pass of a
/// layer with few outputs over a large batch, such as the tutorials' 784-10-10 network on 10,000 images.
/// </summary>
/// <remarks>
/// The packed algorithm must copy (transpose) all of A into panels, which for 10 columns costs about as much as the
/// arithmetic. Here A is read once, in place: each output C[i, j] is a dot product of row i of A with column j of
/// op(B), and two rows are done at once against op(B)ᵀ packed into a small buffer (n × k, in L1/L2), 16 values of
/// the k dimension per vector, so every lane works. The column count is a type parameter so the JIT keeps exactly
/// 2·n accumulators in registers. AVX-512 only; other CPUs use the packed algorithm.
/// </remarks>
internal static unsafe class GemmSmallN
{
    /// <summary>The most columns this path takes.</summary>
    public const int MaxColumns = 12;

    [ThreadStatic]
    private static Job? t_job;

    /// <summary>Whether this CPU can use the path.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>Whether this CPU can use <see cref="MultiplyBytes"/>.</summary>
    public static bool BytesSupported => IsSupported && Avx512F.IsSupported;

    /// <summary>Computes the product (caller checked the lengths; n ≤ <see cref="MaxColumns"/>).</summary>
    public static void Multiply(float* a, nint lda, float* b, nint ldb, bool transposeB, float* c, nint ldc, int m, int k, int n, float alpha, float beta)
    {
        (t_job ??= new Job()).Run(a, lda, b, ldb, transposeB, c, ldc, m, k, n, alpha, beta);
    }

    /// <summary>
    /// C = (A·scale)·op(B) for A a matrix of bytes whose rows are picked by <paramref name="rowIndex"/> (row i of A is
    /// <c>a[rowIndex[i]·k ..]</c>): a first layer reading 8-bit pixels straight from a compact dataset, each value
    /// converted as it is loaded. The floats it multiplies are exactly those <see cref="TensorMath.ExpandBytes"/>
    /// makes, and the order of operations is that of <see cref="Multiply"/>, so the result is bit for bit the same as
    /// expanding first.
    /// </summary>
    public static void MultiplyBytes(byte* a, int* rowIndex, float scale, float* b, nint ldb, bool transposeB, float* c, nint ldc, int m, int k, int n)
    {
        (t_job ??= new Job()).RunBytes(a, rowIndex, scale, b, ldb, transposeB, c, ldc, m, k, n);
    }

    /// <summary>Two rows of C: r0 = A[i]·op(B), r1 = A[i+1]·op(B), from bt = op(B)ᵀ with rows of kp ≥ k values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoRows<TColumns, TElement>(void* a0Row, void* a1Row, int k16, float* bt, nint kp, float* c0, float* c1, float alpha, float beta, float scale)
        where TColumns : struct, IRowCount
        where TElement : struct, IRowElements
    {
        Vector512<float> r0c0 = default, r1c0 = default, r0c1 = default, r1c1 = default, r0c2 = default, r1c2 = default, r0c3 = default, r1c3 = default, r0c4 = default, r1c4 = default, r0c5 = default, r1c5 = default, r0c6 = default, r1c6 = default, r0c7 = default, r1c7 = default, r0c8 = default, r1c8 = default, r0c9 = default, r1c9 = default, r0c10 = default, r1c10 = default, r0c11 = default, r1c11 = default;
        for (int p = 0; p < k16; p += 16)
        {
            Vector512<float> a0 = TElement.Load16(a0Row, p, scale);
            Vector512<float> a1 = TElement.Load16(a1Row, p, scale);
                if (TColumns.Value > 0)
                {
                    Vector512<float> b = Vector512.Load(bt + 0 * kp + p);
                    r0c0 = Vector512.FusedMultiplyAdd(a0, b, r0c0);
                    r1c0 = Vector512.FusedMultiplyAdd(a1, b, r1c0);
                }
                if (TColumns.Value > 1)
                {
                    Vector512<float> b = Vector512.Load(bt + 1 * kp + p);
                    r0c1 = Vector512.FusedMultiplyAdd(a0, b, r0c1);
                    r1c1 = Vector512.FusedMultiplyAdd(a1, b, r1c1);
                }
                if (TColumns.Value > 2)
                {
                    Vector512<float> b = Vector512.Load(bt + 2 * kp + p);
                    r0c2 = Vector512.FusedMultiplyAdd(a0, b, r0c2);
                    r1c2 = Vector512.FusedMultiplyAdd(a1, b, r1c2);
                }
                if (TColumns.Value > 3)
                {
                    Vector512<float> b = Vector512.Load(bt + 3 * kp + p);
                    r0c3 = Vector512.FusedMultiplyAdd(a0, b, r0c3);
                    r1c3 = Vector512.FusedMultiplyAdd(a1, b, r1c3);
                }
                if (TColumns.Value > 4)
                {
                    Vector512<float> b = Vector512.Load(bt + 4 * kp + p);
                    r0c4 = Vector512.FusedMultiplyAdd(a0, b, r0c4);
                    r1c4 = Vector512.FusedMultiplyAdd(a1, b, r1c4);
                }
                if (TColumns.Value > 5)
                {
                    Vector512<float> b = Vector512.Load(bt + 5 * kp + p);
                    r0c5 = Vector512.FusedMultiplyAdd(a0, b, r0c5);
                    r1c5 = Vector512.FusedMultiplyAdd(a1, b, r1c5);
                }
                if (TColumns.Value > 6)
                {
                    Vector512<float> b = Vector512.Load(bt + 6 * kp + p);
                    r0c6 = Vector512.FusedMultiplyAdd(a0, b, r0c6);
                    r1c6 = Vector512.FusedMultiplyAdd(a1, b, r1c6);
                }
                if (TColumns.Value > 7)
                {
                    Vector512<float> b = Vector512.Load(bt + 7 * kp + p);
                    r0c7 = Vector512.FusedMultiplyAdd(a0, b, r0c7);
                    r1c7 = Vector512.FusedMultiplyAdd(a1, b, r1c7);
                }
                if (TColumns.Value > 8)
                {
                    Vector512<float> b = Vector512.Load(bt + 8 * kp + p);
                    r0c8 = Vector512.FusedMultiplyAdd(a0, b, r0c8);
                    r1c8 = Vector512.FusedMultiplyAdd(a1, b, r1c8);
                }
                if (TColumns.Value > 9)
                {
                    Vector512<float> b = Vector512.Load(bt + 9 * kp + p);
                    r0c9 = Vector512.FusedMultiplyAdd(a0, b, r0c9);
                    r1c9 = Vector512.FusedMultiplyAdd(a1, b, r1c9);
                }
                if (TColumns.Value > 10)
                {
                    Vector512<float> b = Vector512.Load(bt + 10 * kp + p);
                    r0c10 = Vector512.FusedMultiplyAdd(a0, b, r0c10);
                    r1c10 = Vector512.FusedMultiplyAdd(a1, b, r1c10);
                }
                if (TColumns.Value > 11)
                {
                    Vector512<float> b = Vector512.Load(bt + 11 * kp + p);
                    r0c11 = Vector512.FusedMultiplyAdd(a0, b, r0c11);
                    r1c11 = Vector512.FusedMultiplyAdd(a1, b, r1c11);
                }
        }

        if (TColumns.Value > 0)
        {
            Store(c0 + 0, Vector512.Sum(r0c0), alpha, beta);
            Store(c1 + 0, Vector512.Sum(r1c0), alpha, beta);
        }
        if (TColumns.Value > 1)
        {
            Store(c0 + 1, Vector512.Sum(r0c1), alpha, beta);
            Store(c1 + 1, Vector512.Sum(r1c1), alpha, beta);
        }
        if (TColumns.Value > 2)
        {
            Store(c0 + 2, Vector512.Sum(r0c2), alpha, beta);
            Store(c1 + 2, Vector512.Sum(r1c2), alpha, beta);
        }
        if (TColumns.Value > 3)
        {
            Store(c0 + 3, Vector512.Sum(r0c3), alpha, beta);
            Store(c1 + 3, Vector512.Sum(r1c3), alpha, beta);
        }
        if (TColumns.Value > 4)
        {
            Store(c0 + 4, Vector512.Sum(r0c4), alpha, beta);
            Store(c1 + 4, Vector512.Sum(r1c4), alpha, beta);
        }
        if (TColumns.Value > 5)
        {
            Store(c0 + 5, Vector512.Sum(r0c5), alpha, beta);
            Store(c1 + 5, Vector512.Sum(r1c5), alpha, beta);
        }
        if (TColumns.Value > 6)
        {
            Store(c0 + 6, Vector512.Sum(r0c6), alpha, beta);
            Store(c1 + 6, Vector512.Sum(r1c6), alpha, beta);
        }
        if (TColumns.Value > 7)
        {
            Store(c0 + 7, Vector512.Sum(r0c7), alpha, beta);
            Store(c1 + 7, Vector512.Sum(r1c7), alpha, beta);
        }
        if (TColumns.Value > 8)
        {
            Store(c0 + 8, Vector512.Sum(r0c8), alpha, beta);
            Store(c1 + 8, Vector512.Sum(r1c8), alpha, beta);
        }
        if (TColumns.Value > 9)
        {
            Store(c0 + 9, Vector512.Sum(r0c9), alpha, beta);
            Store(c1 + 9, Vector512.Sum(r1c9), alpha, beta);
        }
        if (TColumns.Value > 10)
        {
            Store(c0 + 10, Vector512.Sum(r0c10), alpha, beta);
            Store(c1 + 10, Vector512.Sum(r1c10), alpha, beta);
        }
        if (TColumns.Value > 11)
        {
            Store(c0 + 11, Vector512.Sum(r0c11), alpha, beta);
            Store(c1 + 11, Vector512.Sum(r1c11), alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float product, float alpha, float beta) =>
        *c = beta == 0f ? alpha * product : MathF.FusedMultiplyAdd(alpha, product, beta * *c);

    /// <summary>The state of one product, shared by the threads.</summary>
    private sealed class Job : IParallelWork
    {
        private float* _bt;
        private nint _btCapacity;
        private float* _a, _c;
        private byte* _bytes;
        private int* _rowIndex;
        private float* _oddRow;
        private int _oddRowCapacity;

        ~Job()
        {
            NativeMemory.AlignedFree(_bt);
            NativeMemory.Free(_oddRow);
        }
        private nint _lda, _ldc, _kp;
        private int _m, _k, _n, _k16;
        private float _alpha, _beta, _scale;

        public void RunBytes(byte* a, int* rowIndex, float scale, float* b, nint ldb, bool transposeB, float* c, nint ldc, int m, int k, int n)
        {
            _bytes = a;
            _rowIndex = rowIndex;
            _scale = scale;
            try
            {
                Run(null, k, b, ldb, transposeB, c, ldc, m, k, n, 1f, 0f);
            }
            finally
            {
                _bytes = null;
                _rowIndex = null;
            }
        }

        public void Run(float* a, nint lda, float* b, nint ldb, bool transposeB, float* c, nint ldc, int m, int k, int n, float alpha, float beta)
        {
            // bt[j·kp + p] = op(B)[p, j], zero beyond k
            nint kp = (k + 15) / 16 * 16;
            if (_btCapacity < kp * n)
            {
                if (_bt != null)
                {
                    NativeMemory.AlignedFree(_bt);
                }

                _btCapacity = kp * MaxColumns;
                _bt = (float*)NativeMemory.AlignedAlloc((nuint)(_btCapacity * sizeof(float)), 64);
            }

            if (transposeB)
            {
                for (int j = 0; j < n; j++)
                {
                    new ReadOnlySpan<float>(b + j * ldb, k).CopyTo(new Span<float>(_bt + j * kp, k));
                }
            }
            else
            {
                // B row by row (contiguous reads), each value to its column's row of bt
                for (int p = 0; p < k; p++)
                {
                    float* bRow = b + p * ldb;
                    for (int j = 0; j < n; j++)
                    {
                        _bt[j * kp + p] = bRow[j];
                    }
                }
            }

            for (int j = 0; j < n; j++)
            {
                new Span<float>(_bt + j * kp + k, (int)(kp - k)).Clear();
            }

            _a = a;
            _c = c;
            (_lda, _ldc, _kp) = (lda, ldc, kp);
            (_m, _k, _n, _k16, _alpha, _beta) = (m, k, n, k / 16 * 16, alpha, beta);
            long multiplyAdds = (long)m * n * k;
            int threads = (int)Math.Clamp(multiplyAdds / (1L << 16), 1, ParallelWorkers.Shared.ThreadCount);
            ParallelWorkers.Shared.Run(this, threads);
        }

        public void Execute(int thread, int threads)
        {
            int pairs = _m / 2;
            int first = (int)((long)pairs * thread / threads), last = (int)((long)pairs * (thread + 1) / threads);
            var kernel = _bytes == null ? Kernel<FloatElements>(_n) : Kernel<ByteElements>(_n);
            for (int pair = first; pair < last; pair++)
            {
                int i = 2 * pair;
                kernel(RowOf(i), RowOf(i + 1), _k16, _bt, _kp, _c + i * _ldc, _c + (i + 1) * _ldc, _alpha, _beta, _scale);
            }

            // The values of k past the last multiple of 16, then an odd last row, one dot product at a time.
            if (_k16 < _k)
            {
                for (int i = 2 * first; i < 2 * last; i++)
                {
                    AddTail(i);
                }
            }

            if (thread == threads - 1 && _m % 2 == 1)
            {
                int i = _m - 1;
                for (int j = 0; j < _n; j++)
                {
                    float dot = System.Numerics.Tensors.TensorPrimitives.Dot(OddRow(i), new ReadOnlySpan<float>(_bt + j * _kp, _k));
                    Store(_c + i * _ldc + j, dot, _alpha, _beta);
                }
            }
        }

        /// <summary>Row i of A as floats: in place, or bytes expanded into a buffer (the same values as
        /// <see cref="TensorMath.ExpandBytes"/>, so the dot product is the one the float path computes).</summary>
        private ReadOnlySpan<float> OddRow(int i)
        {
            if (_bytes == null)
            {
                return new ReadOnlySpan<float>(_a + i * _lda, _k);
            }

            if (_oddRowCapacity < _k)
            {
                NativeMemory.Free(_oddRow);
                _oddRow = (float*)NativeMemory.Alloc((nuint)_k * sizeof(float));
                _oddRowCapacity = _k;
            }

            var row = new Span<float>(_oddRow, _k);
            TensorMath.ExpandBytes(new ReadOnlySpan<byte>(RowOf(i), _k), _scale, row);
            return row;
        }

        private void* RowOf(int i) => _bytes == null ? _a + i * _lda : _bytes + (nint)_rowIndex[i] * _k;

        private void AddTail(int i)
        {
            for (int j = 0; j < _n; j++)
            {
                float sum = 0f;
                for (int p = _k16; p < _k; p++)
                {
                    float a = _bytes == null ? _a[i * _lda + p] : ((byte*)RowOf(i))[p] * _scale;
                    sum += a * _bt[j * _kp + p];
                }

                _c[i * _ldc + j] += _alpha * sum;
            }
        }

        private static delegate*<void*, void*, int, float*, nint, float*, float*, float, float, float, void> Kernel<TElement>(int n)
            where TElement : struct, IRowElements => n switch
        {
            1 => &TwoRows<Rows1, TElement>,
            2 => &TwoRows<Rows2, TElement>,
            3 => &TwoRows<Rows3, TElement>,
            4 => &TwoRows<Rows4, TElement>,
            5 => &TwoRows<Rows5, TElement>,
            6 => &TwoRows<Rows6, TElement>,
            7 => &TwoRows<Rows7, TElement>,
            8 => &TwoRows<Rows8, TElement>,
            9 => &TwoRows<Rows9, TElement>,
            10 => &TwoRows<Rows10, TElement>,
            11 => &TwoRows<Rows11, TElement>,
            _ => &TwoRows<Rows12, TElement>,
        };
    }
}

/// <summary>How a kernel reads 16 consecutive values of a row of A as floats.</summary>
internal unsafe interface IRowElements
{
    /// <summary>Values p … p+15 of <paramref name="row"/>.</summary>
    static abstract Vector512<float> Load16(void* row, int p, float scale);
}

/// <summary>A row of floats (the scale is not used).</summary>
internal readonly unsafe struct FloatElements : IRowElements
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(void* row, int p, float scale) => Vector512.Load((float*)row + p);
}

/// <summary>A row of bytes, each converted and multiplied by the scale as it is loaded (8-bit pixels · 1/255).</summary>
internal readonly unsafe struct ByteElements : IRowElements
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(void* row, int p, float scale) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128((byte*)row + p))) * Vector512.Create(scale);
}
