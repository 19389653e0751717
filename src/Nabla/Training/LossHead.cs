using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;

namespace Nabla.Training;

/// <summary>
/// The end of a training pass, chosen once when training starts: from the model's output and the targets, the loss
/// and the gradient where the backward pass begins. Usually that is the loss's own gradient at the output, through
/// every layer. When the model ends in a <see cref="Softmax"/> layer trained with <see cref="CategoricalCrossEntropy"/>
/// on one-hot targets, the gradient is taken straight at the softmax's input, (p − t)/rows, and the softmax's backward
/// is skipped — the same gradient with one subtraction instead of a division and a Jacobian product (Keras trains
/// softmax + categorical_crossentropy the same way).
/// </summary>
internal sealed class LossHead
{
    private readonly CategoricalCrossEntropy? _fused;

    private LossHead(ILoss loss, CategoricalCrossEntropy? fused, int backwardLayers) => (Loss, _fused, BackwardLayers) = (loss, fused, backwardLayers);

    /// <summary>The loss.</summary>
    public ILoss Loss { get; }

    /// <summary>How many layers (from the first) the backward pass runs through.</summary>
    public int BackwardLayers { get; }

    /// <summary>Whether the softmax + categorical cross-entropy pair is fused.</summary>
    public bool IsFused => _fused is not null;

    /// <summary>The head for training <paramref name="model"/> with <paramref name="loss"/> on a <paramref name="task"/> dataset.</summary>
    public static LossHead Create(Sequential model, ILoss loss, TaskKind task)
    {
        bool fuse = loss is CategoricalCrossEntropy && task == TaskKind.Classification && model.Layers.Count > 0 && model.Layers[^1] is Softmax;
        return new LossHead(loss, fuse ? (CategoricalCrossEntropy)loss : null, model.Layers.Count - (fuse ? 1 : 0));
    }

    /// <summary>The mean loss of a chunk, and ∂loss/∂(output of layer <see cref="BackwardLayers"/> − 1) into
    /// <paramref name="gradient"/>.</summary>
    public float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient) =>
        _fused is not null ? _fused.ComputeWithLogitGradient(output, target, columns, gradient) : Loss.Compute(output, target, columns, gradient);
}
