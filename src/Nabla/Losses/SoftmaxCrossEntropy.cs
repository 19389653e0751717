using System.Numerics.Tensors;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Softmax followed by cross-entropy, fused, on logits z: per row, L = −Σⱼ tⱼ·log softmax(z)ⱼ with
/// log softmax(z)ⱼ = zⱼ − max − log Σₖ e^(zₖ−max); the value is the mean over rows and
/// ∂L/∂zⱼ = (softmax(z)ⱼ·Σₖ tₖ − tⱼ)/rows.
/// </summary>
/// <remarks>
/// Fusing avoids the 0·log 0 and overflow traps of a separate softmax layer. The gradient is the exact one for any
/// non-negative targets: ∂/∂zⱼ of −Σₖ tₖ·(zₖ − log Σᵢ e^zᵢ) is −tⱼ + pⱼ·Σₖ tₖ, which is the familiar p − t when each
/// target row sums to 1 (one-hot or a probability distribution), and stays right for multi-hot or unnormalized soft
/// targets (PyTorch's <c>cross_entropy</c> with probability targets computes the same).
/// </remarks>
public sealed class SoftmaxCrossEntropy : ILoss
{
    /// <inheritdoc/>
    public string Name => "cross-entropy";

    /// <inheritdoc/>
    public OutputTransform OutputTransform => OutputTransform.Softmax;

    /// <inheritdoc/>
    public float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient)
    {
        Loss.CheckLengths(this, output.Length, target.Length, gradient.Length, columns);
        int rows = output.Length / columns;
        float scale = 1f / rows;
        double sum = 0;

        // Whole-batch passes (as TensorMath.SoftmaxRows) rather than several library calls per row of a few classes:
        // g = max(z − rowmax, −80) row by row, then one vectorized exp over everything, then per row the total,
        // the loss and the gradient.
        for (int start = 0; start < output.Length; start += columns)
        {
            ReadOnlySpan<float> z = output.Slice(start, columns);
            Span<float> g = gradient.Slice(start, columns);
            float max = RowMax(z);
            for (int j = 0; j < columns; j++)
            {
                g[j] = MathF.Max(z[j] - max, TensorMath.MinimumExponent); // no subnormal exponentials (see TensorMath)
            }
        }

        TensorMath.Exp(gradient[..output.Length], gradient[..output.Length]);
        for (int start = 0; start < output.Length; start += columns)
        {
            ReadOnlySpan<float> z = output.Slice(start, columns);
            ReadOnlySpan<float> t = target.Slice(start, columns);
            Span<float> g = gradient.Slice(start, columns);
            float max = RowMax(z);
            float total = 0f, targetSum = 0f;
            for (int j = 0; j < columns; j++)
            {
                total += g[j];
                targetSum += t[j];
            }

            // in the forward pass this was L = −Σⱼ tⱼ·(zⱼ − max − log total), so ∂L/∂zⱼ = pⱼ·Σₖ tₖ − tⱼ (over rows)
            float logTotal = MathF.Log(total), inverse = targetSum / total;
            for (int j = 0; j < columns; j++)
            {
                if (t[j] != 0f)
                {
                    sum -= t[j] * (z[j] - max - logTotal);
                }

                g[j] = scale * (g[j] * inverse - t[j]);
            }
        }

        return (float)(sum / rows);
    }

    private static float RowMax(ReadOnlySpan<float> z)
    {
        float max = z[0];
        for (int j = 1; j < z.Length; j++)
        {
            max = MathF.Max(max, z[j]); // branch-free, NaN-propagating
        }

        return max;
    }
}
