using System.Numerics.Tensors;

namespace Nabla.Tensors;

public static partial class TensorMath
{
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
        for (int start = 0; start < x.Length; start += columns)
        {
            ReadOnlySpan<float> row = x.Slice(start, columns);
            Span<float> target = y.Slice(start, columns);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, target);
            TensorPrimitives.Exp(target, target);
            float sum = TensorPrimitives.Sum(target);
            TensorPrimitives.Multiply(target, 1f / sum, target);
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
                sum += MathF.Exp(row[j] - max);
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
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = TensorPrimitives.IndexOfMax(x.Slice(i * columns, columns));
        }
    }
}
