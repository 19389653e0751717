using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A layer that can compute the layers right after it in the same pass, sample by sample while the sample is in
/// cache (a convolution with its ReLU and max pooling), instead of each layer streaming the whole batch through
/// memory. The one seam of layer fusion: <c>Sequential</c> asks each such layer once which followers it takes, then
/// calls <see cref="ForwardFused"/> and <see cref="BackwardFused"/> in place of the block's layers. A fused block gives
/// bit for bit what its layers give one by one.
/// </summary>
internal interface IFusedLayer
{
    /// <summary>How many of the layers after <paramref name="index"/> in <paramref name="layers"/> this layer (at
    /// <paramref name="index"/>) will compute with its own pass; 0 for none.</summary>
    int Fuse(IReadOnlyList<Layer> layers, int index);

    /// <summary>The forward pass of the whole block: returns the last fused layer's output.</summary>
    Tensor ForwardFused(Tensor input, ForwardContext context);

    /// <summary>The backward pass of the whole block, from the gradient of its output.</summary>
    Tensor? BackwardFused(Tensor outputGradient, bool needInputGradient);
}
