using Nabla.Models;

namespace Nabla.Losses;

/// <summary>
/// Softmax cross-entropy on logits against class ids instead of one-hot rows (Keras's
/// <c>SparseCategoricalCrossentropy(from_logits=True)</c>, PyTorch's <c>CrossEntropyLoss(ignore_index=-1)</c>): the
/// output holds one row of C logits per position (a language model: [rows, steps, C]), the target one id per position
/// ([rows, steps], as floats); a target of −1 (a sequence that has ended) is left out. The value is the mean of
/// −log softmax(z)[id] over the positions that count, and ∂L/∂z = (softmax(z) − onehot(id)) / positions there, 0 at
/// the others.
/// </summary>
/// <remarks>C is the output length over the target length, so one target column per C logits (the <c>columns</c>
/// argument of <see cref="Compute"/> is not needed). With one-hot rows 10 times longer than the ids, a 64-row batch of
/// 24-step words over 27 characters would otherwise carry 41,472 target values instead of 1,536.</remarks>
public sealed class SparseSoftmaxCrossEntropy : ILoss
{
    /// <inheritdoc/>
    public string Name => "sparse-cross-entropy";

    /// <inheritdoc/>
    public OutputTransform OutputTransform => OutputTransform.Softmax;

    /// <inheritdoc/>
    public float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient)
    {
        if (target.Length == 0 || output.Length % target.Length != 0 || gradient.Length != output.Length)
        {
            throw new ArgumentException($"{Name}: output ({output.Length} values) must be a whole number of logits per target id ({target.Length}), and the gradient ({gradient.Length}) as long as the output.");
        }

        int classes = output.Length / target.Length, counted = 0;
        for (int p = 0; p < target.Length; p++)
        {
            counted += target[p] >= 0 ? 1 : 0;
        }

        float scale = counted == 0 ? 0f : 1f / counted;
        double sum = 0;
        for (int p = 0; p < target.Length; p++)
        {
            ReadOnlySpan<float> z = output.Slice(p * classes, classes);
            Span<float> g = gradient.Slice(p * classes, classes);
            int id = (int)target[p];
            if (id < 0)
            {
                g.Clear();
                continue;
            }

            if (id >= classes)
            {
                throw new ArgumentException($"{Name}: target id {id} at position {p} is outside the {classes} classes.");
            }

            // log softmax(z)_id = z_id − max − log Σ e^(z − max); ∂/∂z = (softmax(z) − onehot(id)) / positions
            float max = z[0];
            for (int j = 1; j < classes; j++)
            {
                max = MathF.Max(max, z[j]);
            }

            for (int j = 0; j < classes; j++)
            {
                g[j] = MathF.Max(z[j] - max, Tensors.TensorMath.MinimumExponent);
            }

            Tensors.TensorMath.Exp(g, g);
            float total = 0f;
            for (int j = 0; j < classes; j++)
            {
                total += g[j];
            }

            sum -= z[id] - max - MathF.Log(total);
            float inverse = scale / total;
            for (int j = 0; j < classes; j++)
            {
                g[j] *= inverse;
            }

            g[id] -= scale;
        }

        return counted == 0 ? 0f : (float)(sum / counted);
    }
}
