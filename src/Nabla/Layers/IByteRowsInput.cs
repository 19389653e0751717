using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A layer that can read a compact dataset's batch of bytes in place when it comes first in a model (after any
/// reshapes), instead of a tensor of floats: the one seam of the byte fast path (see <see cref="ByteRowProducts"/>).
/// Its backward pass after <see cref="ForwardBytes"/> computes no input gradient (it is the first layer).
/// </summary>
internal interface IByteRowsInput
{
    /// <summary>Whether this layer, as built, can take byte rows on this CPU.</summary>
    bool AcceptsByteRows { get; }

    /// <summary>The forward pass on <paramref name="input"/>'s bytes (×scale), rows picked by its order.</summary>
    Tensor ForwardBytes(ByteRows input);
}
