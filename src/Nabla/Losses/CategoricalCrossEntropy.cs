using System.Numerics.Tensors;
using Nabla.Models;

namespace Nabla.Losses;

/// <summary>
/// Cross-entropy on probabilities p (the output of a softmax layer), as Keras's categorical_crossentropy:
/// per row L = −Σⱼ tⱼ·log max(pⱼ, ε), ε = 1e−7; mean over rows; ∂L/∂pⱼ = −tⱼ / (max(pⱼ, ε)·rows).
/// </summary>
public sealed class CategoricalCrossEntropy : ILoss
{
    private const float Epsilon = 1e-7f;

    /// <inheritdoc/>
    public string Name => "categorical-cross-entropy";

    /// <inheritdoc/>
    public OutputTransform OutputTransform => OutputTransform.None;

    /// <inheritdoc/>
    public float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient)
    {
        Loss.CheckLengths(this, output.Length, target.Length, gradient.Length, columns);
        int rows = output.Length / columns;
        double sum = CrossEntropySum(output, target);

        // gradient = −t / (max(p, ε)·rows), vectorized: one-hot targets make the loss sum above mostly skips
        TensorPrimitives.Max(output, Epsilon, gradient);
        TensorPrimitives.Multiply(gradient, (float)rows, gradient);
        TensorPrimitives.Divide(target, gradient, gradient);
        TensorPrimitives.Negate(gradient, gradient);
        return (float)(sum / rows);
    }

    /// <summary>
    /// The loss of <see cref="Compute"/>, and the gradient with respect to the logits z of the softmax layer that
    /// produced p: for targets that sum to 1 per row (one-hot), the softmax Jacobian turns −t/(p·rows) into
    /// ∂L/∂z = (p − t)/rows — one subtraction instead of a division and the Jacobian product, and no ε clipping.
    /// Keras trains softmax + categorical_crossentropy the same way.
    /// </summary>
    internal float ComputeWithLogitGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> logitGradient)
    {
        Loss.CheckLengths(this, output.Length, target.Length, logitGradient.Length, columns);
        int rows = output.Length / columns;
        double sum = CrossEntropySum(output, target);

        TensorPrimitives.Subtract(output, target, logitGradient);
        TensorPrimitives.Multiply(logitGradient, 1f / rows, logitGradient);
        return (float)(sum / rows);
    }

    /// <summary>−Σ tᵢ·log max(pᵢ, ε) over the non-zero targets, the logarithms taken in vectorized batches.</summary>
    private static double CrossEntropySum(ReadOnlySpan<float> output, ReadOnlySpan<float> target)
    {
        Span<float> p = stackalloc float[256];
        Span<float> t = stackalloc float[256];
        double sum = 0;
        int count = 0;
        for (int i = 0; i < output.Length; i++)
        {
            if (target[i] != 0f)
            {
                p[count] = Math.Max(output[i], Epsilon);
                t[count++] = target[i];
                if (count == p.Length || i == output.Length - 1)
                {
                    sum -= Flush(p[..count], t[..count]);
                    count = 0;
                }
            }
        }

        return count > 0 ? sum - Flush(p[..count], t[..count]) : sum;

        static double Flush(Span<float> p, ReadOnlySpan<float> t)
        {
            TensorPrimitives.Log(p, p);
            return TensorPrimitives.Dot(p, t);
        }
    }
}
