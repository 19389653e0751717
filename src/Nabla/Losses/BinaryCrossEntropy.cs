using Nabla.Models;

namespace Nabla.Losses;

/// <summary>
/// Binary cross-entropy on logits z, averaged over every value:
/// L = (1/N) Σ −[t·log σ(z) + (1−t)·log(1−σ(z))], computed as max(z, 0) − z·t + log(1 + e^−|z|) so that no
/// exponent overflows (PyTorch's BCEWithLogitsLoss); ∂L/∂z = (σ(z) − t)/N.
/// </summary>
public sealed class BinaryCrossEntropy : ILoss
{
    /// <inheritdoc/>
    public string Name => "binary-cross-entropy";

    /// <inheritdoc/>
    public OutputTransform OutputTransform => OutputTransform.Sigmoid;

    /// <inheritdoc/>
    public float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient)
    {
        Loss.CheckLengths(this, output.Length, target.Length, gradient.Length, columns);
        double sum = 0;
        float scale = 1f / output.Length;
        for (int i = 0; i < output.Length; i++)
        {
            double z = output[i];
            sum += Math.Max(z, 0) - z * target[i] + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            float sigmoid = 1f / (1f + MathF.Exp(-output[i]));
            gradient[i] = scale * (sigmoid - target[i]);
        }

        return (float)(sum / output.Length);
    }
}
