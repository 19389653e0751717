namespace Nabla.Layers;

/// <summary>How a convolution treats the image border (Keras's and PyTorch's names).</summary>
public enum Padding
{
    /// <summary>No padding: every output pixel's window lies inside the input, so Hout = ⌊(H − KH) / SH⌋ + 1.</summary>
    Valid,

    /// <summary>Zero padding so that Hout = ⌈H / SH⌉ (the input size for stride 1); the smaller half of the
    /// padding goes on top and on the left.</summary>
    Same,
}
