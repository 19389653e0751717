using Nabla.Models;

namespace Nabla.Losses;

/// <summary>
/// Mean squared error over every value: L = (1/N) Σ (y − t)², N = rows·columns (PyTorch's and Keras's "mean");
/// ∂L/∂y = 2(y − t)/N.
/// </summary>
public sealed class MeanSquaredError : ILoss
{
    /// <inheritdoc/>
    public string Name => "mse";

    /// <inheritdoc/>
    public OutputTransform OutputTransform => OutputTransform.None;

    /// <summary>2: scikit-learn's squared loss is this mean halved, so the L2 penalty is doubled to keep α
    /// scikit-learn's <c>alpha</c>.</summary>
    public float PenaltyScale => 2f;

    /// <inheritdoc/>
    public float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient)
    {
        Loss.CheckLengths(this, output.Length, target.Length, gradient.Length, columns);
        double sum = 0;
        float scale = 2f / output.Length;
        for (int i = 0; i < output.Length; i++)
        {
            float difference = output[i] - target[i];
            sum += (double)difference * difference;
            gradient[i] = scale * difference;
        }

        return (float)(sum / output.Length);
    }
}
