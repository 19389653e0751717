namespace Nabla.Tensors;

/// <summary>
/// The sizes of one 2-D convolution (or pooling) over a sample [C, H, W]: kernel KH×KW, stride SH×SW, zero padding
/// (top, left; bottom and right follow) and the output Hout×Wout. Padded, the input is [C, Hp, Wp] with
/// Hp = PadTop + H + PadBottom, and output pixel (oy, ox) reads padded rows oy·SH … oy·SH + KH − 1 and columns
/// ox·SW … ox·SW + KW − 1.
/// </summary>
internal readonly record struct ConvolutionGeometry(
    int Channels, int Height, int Width, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft, int OutputHeight, int OutputWidth)
{
    /// <summary>
    /// The geometry for <paramref name="same"/> padding — Keras's and PyTorch's "same": Hout = ⌈H / SH⌉, the
    /// total padding (Hout − 1)·SH + KH − H split with the smaller half on top — or "valid" (no padding):
    /// Hout = ⌊(H − KH) / SH⌋ + 1.
    /// </summary>
    public static ConvolutionGeometry Create(int channels, int height, int width, (int Height, int Width) kernel, (int Height, int Width) stride, bool same)
    {
        int outputHeight = same ? (height + stride.Height - 1) / stride.Height : (height - kernel.Height) / stride.Height + 1;
        int outputWidth = same ? (width + stride.Width - 1) / stride.Width : (width - kernel.Width) / stride.Width + 1;
        int padTop = same ? Math.Max(0, (outputHeight - 1) * stride.Height + kernel.Height - height) / 2 : 0;
        int padLeft = same ? Math.Max(0, (outputWidth - 1) * stride.Width + kernel.Width - width) / 2 : 0;
        return new(channels, height, width, kernel.Height, kernel.Width, stride.Height, stride.Width, padTop, padLeft, outputHeight, outputWidth);
    }

    /// <summary>Rows of the padded input: every row an output reads (at least the input's own).</summary>
    public int PaddedHeight => Math.Max(PadTop + Height, (OutputHeight - 1) * StrideHeight + KernelHeight);

    /// <summary>Columns of the padded input.</summary>
    public int PaddedWidth => Math.Max(PadLeft + Width, (OutputWidth - 1) * StrideWidth + KernelWidth);

    /// <summary>Whether the input needs zero borders (some output reads outside it).</summary>
    public bool IsPadded => PadTop > 0 || PadLeft > 0 || PaddedHeight > Height || PaddedWidth > Width;

    /// <summary>K = C·KH·KW: the rows of the column matrix, one per weight of a filter.</summary>
    public int ColumnRows => Channels * KernelHeight * KernelWidth;

    /// <summary>P = Hout·Wout: output pixels per channel.</summary>
    public int OutputPixels => OutputHeight * OutputWidth;

    /// <summary>C·H·W: input values per sample.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>C·Hp·Wp: padded input values per sample.</summary>
    public int PaddedSize => Channels * PaddedHeight * PaddedWidth;
}
