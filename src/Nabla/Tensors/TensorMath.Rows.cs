using System.Numerics.Tensors;

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
    public static void ArgMaxRows(ReadOnlySpan<float> x, int columns, Span<int> indices)
    {
        if (columns > 16)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                indices[i] = TensorPrimitives.IndexOfMax(x.Slice(i * columns, columns));
            }

            return;
        }

        // A handful of classes: a plain loop beats a library call per row. Same answer as IndexOfMax: the first
        // maximum, or the first NaN.
        for (int i = 0; i < indices.Length; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * columns, columns);
            int best = 0;
            float max = row[0];
            for (int j = 1; j < row.Length && !float.IsNaN(max); j++)
            {
                float v = row[j];
                if (v > max || float.IsNaN(v) || (v == 0f && max == 0f && float.IsNegative(max) && !float.IsNegative(v)))
                {
                    (best, max) = (j, v);
                }
            }

            indices[i] = best;
        }
    }
}
