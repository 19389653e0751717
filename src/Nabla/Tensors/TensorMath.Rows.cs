using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

public static partial class TensorMath
{
    /// <summary>
    /// Exponents below this are raised to it before <c>exp</c>: e⁻⁸⁰ ≈ 1.8·10⁻³⁵ is still a normal float after
    /// dividing by a row sum, whereas the true, smaller values are subnormal, and many x86 processors (Intel's above
    /// all) take a slow microcode assist for subnormal results; a confident classifier produces them in every row.
    /// The change to a probability is below 10⁻³⁴. (On this project's Zen 4 machine subnormals cost nothing extra.)
    /// </summary>
    internal const float MinimumExponent = -80f;

    /// <summary>
    /// Row-wise softmax, <c>y[i, j] = exp(x[i, j] − maxⱼ x[i, ·]) / Σⱼ exp(x[i, j] − max)</c>. Subtracting the row
    /// maximum keeps every exponent ≤ 0, so logits of ±1000 stay finite (TensorPrimitives.SoftMax does not).
    /// </summary>
    /// <param name="x">[rows, columns] logits.</param>
    /// <param name="columns">Values per row.</param>
    /// <param name="y">[rows, columns] probabilities; may be the same memory as <paramref name="x"/>.</param>
    public static void SoftmaxRows(ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(SoftmaxRows));
        if (columns <= 16 && Avx512F.IsSupported)
        {
            SoftmaxRowsNarrow(x, columns, y);
            return;
        }

        // Three passes over the whole batch rather than five calls per row: with 10 classes per row, per-call
        // overhead, not arithmetic, would dominate. Subtract each row's max, exponentiate everything in one
        // vectorized call, then normalize each row.
        for (int start = 0; start < x.Length; start += columns)
        {
            ReadOnlySpan<float> row = x.Slice(start, columns);
            Span<float> target = y.Slice(start, columns);
            float max = row[0];
            for (int j = 1; j < row.Length; j++)
            {
                max = MathF.Max(max, row[j]); // branch-free (a compare-and-select mispredicts on every other row)
            }

            for (int j = 0; j < row.Length; j++)
            {
                target[j] = MathF.Max(row[j] - max, MinimumExponent);
            }
        }

        Exp(y, y);
        for (int start = 0; start < y.Length; start += columns)
        {
            Span<float> target = y.Slice(start, columns);
            float sum = 0f;
            for (int j = 0; j < target.Length; j++)
            {
                sum += target[j];
            }

            float scale = 1f / sum;
            for (int j = 0; j < target.Length; j++)
            {
                target[j] *= scale;
            }
        }
    }

    /// <summary>A mask of the first <paramref name="count"/> lanes (all bits set) of 16, for rows of ≤ 16 values.</summary>
    internal static Vector512<float> FirstLanes(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>The largest of the 16 lanes, in every lane (NaN-unaware: callers check for NaN).</summary>
    private static Vector512<float> BroadcastMax(Vector512<float> v)
    {
        Vector512<float> max = Avx512F.Max(v, Avx512F.Shuffle4x128(v, v, 0b01_00_11_10));
        max = Avx512F.Max(max, Avx512F.Shuffle4x128(max, max, 0b10_11_00_01));
        max = Avx512F.Max(max, Avx512F.Shuffle(max, max, 0b01_00_11_10));
        return Avx512F.Max(max, Avx512F.Shuffle(max, max, 0b10_11_00_01));
    }

    /// <summary>Softmax of rows of at most 16 values, one masked vector per row (a classifier's output).</summary>
    private static unsafe void SoftmaxRowsNarrow(ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        Vector512<float> mask = FirstLanes(columns);
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        int rows = x.Length / columns;
        fixed (float* source = x)
        fixed (float* target = y)
        {
            for (int i = 0; i < rows; i++)
            {
                float* row = source + (nint)i * columns;
                Vector512<float> v = Avx512F.MaskLoad(row, mask, lowest);
                if (Avx512F.CompareUnordered(v, v).ExtractMostSignificantBits() != 0)
                {
                    // a NaN makes the whole row NaN, as in the wide path
                    new Span<float>(target + (nint)i * columns, columns).Fill(float.NaN);
                    continue;
                }

                Vector512<float> top = BroadcastMax(v);
                Vector512<float> e = Exp(Vector512.Max(v - top, Vector512.Create(MinimumExponent))) & mask;
                Avx512F.MaskStore(target + (nint)i * columns, mask, e * Vector512.Create(1f / Vector512.Sum(e)));
            }
        }
    }

    /// <summary>
    /// Row-wise log-softmax, <c>y[i, j] = x[i, j] − max − log Σⱼ exp(x[i, j] − max)</c> (max-subtracted, stable).
    /// </summary>
    public static void LogSoftmaxRows(ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(LogSoftmaxRows));
        for (int start = 0; start < x.Length; start += columns)
        {
            ReadOnlySpan<float> row = x.Slice(start, columns);
            Span<float> target = y.Slice(start, columns);
            float max = TensorPrimitives.Max(row);
            float sum = 0f;
            for (int j = 0; j < columns; j++)
            {
                sum += Exp(MathF.Max(row[j] - max, MinimumExponent));
            }

            TensorPrimitives.Subtract(row, max + MathF.Log(sum), target);
        }
    }

    /// <summary>The index of the largest value of each row (the first one on ties).</summary>
    /// <param name="x">[rows, columns].</param>
    /// <param name="columns">Values per row.</param>
    /// <param name="indices">One index per row.</param>
    public static unsafe void ArgMaxRows(ReadOnlySpan<float> x, int columns, Span<int> indices)
    {
        if (columns > 16)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                indices[i] = TensorPrimitives.IndexOfMax(x.Slice(i * columns, columns));
            }

            return;
        }

        // A handful of classes: one masked vector per row (max across lanes, then the first lane equal to it) beats a
        // library call per row. Rows where IndexOfMax's finer rules could matter (a NaN, or a maximum of zero, where
        // +0 beats −0) go to IndexOfMax itself, as do CPUs without AVX-512.
        if (!Avx512F.IsSupported)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                indices[i] = TensorPrimitives.IndexOfMax(x.Slice(i * columns, columns));
            }

            return;
        }

        Vector512<float> mask = FirstLanes(columns);
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        fixed (float* start = x)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                float* row = start + (nint)i * columns;
                Vector512<float> v = Avx512F.MaskLoad(row, mask, lowest);
                Vector512<float> max = BroadcastMax(v);
                float top = max.ToScalar();
                bool nan = Avx512F.CompareUnordered(v, v).ExtractMostSignificantBits() != 0;
                indices[i] = nan || top == 0f
                    ? TensorPrimitives.IndexOfMax(new ReadOnlySpan<float>(row, columns))
                    : BitOperations.TrailingZeroCount(Avx512F.CompareEqual(v, max).ExtractMostSignificantBits());
            }
        }
    }
}
