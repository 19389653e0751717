namespace Nabla.Tensors;

/// <summary>
/// The two products of a dense layer whose input is a batch of bytes read in place (<see cref="ByteRows"/>): the
/// forward Y = (X·scale)·W and the weight gradient dW += (X·scale)ᵀ·dY. One seam in front of the kernels that do them
/// (<see cref="GemmSmallN.MultiplyBytes"/>, <see cref="GemmBytesTransposed"/>), so a layer asks only
/// <see cref="Supports"/>.
/// </summary>
/// <remarks>
/// Why it earns its place: the tutorials' 784-10-10 full-batch network spends most of its time in these two products
/// over all 10,000 images; reading the 7.8 MB of bytes instead of 31 MB of floats keeps the data in cache
/// (docs/BENCHMARKS.md). The forward is bit-identical to expanding the bytes first; dW agrees to rounding.
/// </remarks>
internal static unsafe class ByteRowProducts
{
    /// <summary>Whether a layer with <paramref name="outputs"/> outputs can take byte rows on this CPU (AVX-512, ≤ 12 outputs).</summary>
    public static bool Supports(int outputs) => outputs <= GemmSmallN.MaxColumns && GemmBytesTransposed.IsSupported;

    /// <summary>Y [rows, n] = (X·scale)·W with W [width, n] row-major.</summary>
    public static void Multiply(ByteRows x, ReadOnlySpan<float> w, int n, Span<float> y)
    {
        fixed (byte* a = x.Data)
        fixed (int* rows = x.Order)
        fixed (float* b = w)
        fixed (float* c = y)
        {
            GemmSmallN.MultiplyBytes(a, rows + x.Start, x.Scale, b, n, false, c, n, x.Rows, x.Width, n);
        }
    }

    /// <summary>dW [width, n] += (X·scale)ᵀ·dY with dY [rows, n].</summary>
    public static void MultiplyTransposedAdd(ByteRows x, ReadOnlySpan<float> dY, int n, Span<float> dW)
    {
        fixed (byte* a = x.Data)
        fixed (int* rows = x.Order)
        fixed (float* d = dY)
        fixed (float* c = dW)
        {
            GemmBytesTransposed.MultiplyAdd(a, rows + x.Start, x.Scale, d, c, x.Rows, x.Width, n);
        }
    }
}
