using System.Numerics.Tensors;

namespace Nabla.Tensors;

/// <summary>
/// The lowering of a convolution to a matrix product (Chellapilla et al., 2006; Caffe's <c>im2col</c>), one sample at a
/// time: the column matrix col [K, P] holds in row k = (c, ky, kx) and column p = (oy, ox) the input value that weight
/// (c, ky, kx) meets at output pixel (oy, ox), col[k, p] = xpad[c, oy·SH + ky, ox·SW + kx], so that the convolution of
/// all F filters W [F, K] is one product Y [F, P] = W·col. Backward, <see cref="AddColumns"/> (col2im) adds each
/// column-matrix gradient back where its value came from.
/// </summary>
/// <remarks>
/// Padding is done once per sample by copying it into a zero-bordered buffer (<see cref="Pad"/>), so the lowering
/// itself has no bounds tests: with stride 1 every (k, oy) is one contiguous run of Wout values.
/// </remarks>
internal static class Im2Col
{
    /// <summary>Copies sample <paramref name="x"/> [C, H, W] into the interior of <paramref name="padded"/> [C, Hp, Wp]
    /// (whose borders stay zero: they are cleared once, when the buffer is made, and never written).</summary>
    public static void Pad(in ConvolutionGeometry g, ReadOnlySpan<float> x, Span<float> padded)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int y = 0; y < g.Height; y++)
            {
                x.Slice((c * g.Height + y) * g.Width, g.Width).CopyTo(padded.Slice((c * hp + y + g.PadTop) * wp + g.PadLeft, g.Width));
            }
        }
    }

    /// <summary>The interior of <paramref name="padded"/> [C, Hp, Wp] into <paramref name="x"/> [C, H, W].</summary>
    public static void Unpad(in ConvolutionGeometry g, ReadOnlySpan<float> padded, Span<float> x)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int y = 0; y < g.Height; y++)
            {
                padded.Slice((c * hp + y + g.PadTop) * wp + g.PadLeft, g.Width).CopyTo(x.Slice((c * g.Height + y) * g.Width, g.Width));
            }
        }
    }

    /// <summary>col[k, p] = xpad[c, oy·SH + ky, ox·SW + kx] for k = (c·KH + ky)·KW + kx, p = oy·Wout + ox.</summary>
    /// <param name="g">The geometry.</param>
    /// <param name="padded">One sample, padded: [C, Hp, Wp].</param>
    /// <param name="col">[K, P].</param>
    public static void Lower(in ConvolutionGeometry g, ReadOnlySpan<float> padded, Span<float> col)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth, p = g.OutputPixels;
        int k = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++, k++)
                {
                    Span<float> row = col.Slice(k * p, p);
                    for (int oy = 0; oy < hOut; oy++)
                    {
                        ReadOnlySpan<float> source = padded.Slice((c * hp + oy * g.StrideHeight + ky) * wp + kx);
                        Span<float> target = row.Slice(oy * wOut, wOut);
                        if (g.StrideWidth == 1)
                        {
                            source[..wOut].CopyTo(target);
                        }
                        else
                        {
                            for (int ox = 0; ox < wOut; ox++)
                            {
                                target[ox] = source[ox * g.StrideWidth];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>col2im, the adjoint of <see cref="Lower"/>: dxpad[c, oy·SH + ky, ox·SW + kx] += dcol[k, p] (a value
    /// that met several weights gets all their gradients).</summary>
    /// <param name="g">The geometry.</param>
    /// <param name="dcol">[K, P].</param>
    /// <param name="paddedGradient">[C, Hp, Wp], added to.</param>
    public static void AddColumns(in ConvolutionGeometry g, ReadOnlySpan<float> dcol, Span<float> paddedGradient)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth, p = g.OutputPixels;
        int k = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++, k++)
                {
                    ReadOnlySpan<float> row = dcol.Slice(k * p, p);
                    for (int oy = 0; oy < hOut; oy++)
                    {
                        Span<float> target = paddedGradient.Slice((c * hp + oy * g.StrideHeight + ky) * wp + kx);
                        ReadOnlySpan<float> source = row.Slice(oy * wOut, wOut);
                        if (g.StrideWidth == 1)
                        {
                            TensorPrimitives.Add(target[..wOut], source, target[..wOut]);
                        }
                        else
                        {
                            for (int ox = 0; ox < wOut; ox++)
                            {
                                target[ox * g.StrideWidth] += source[ox];
                            }
                        }
                    }
                }
            }
        }
    }
}
