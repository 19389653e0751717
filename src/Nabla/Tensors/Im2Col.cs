using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
internal static unsafe class Im2Col
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
        int sh = g.StrideHeight, sw = g.StrideWidth;
        if (padded.Length < g.PaddedSize || col.Length < g.ColumnRows * p)
        {
            throw new ArgumentException("Im2Col.Lower: a buffer is too short for the geometry.");
        }

        fixed (float* xp = padded)
        fixed (float* columns = col)
        {
            if (sw == 1 && Avx512F.IsSupported)
            {
                LowerAvx512(g, xp, columns);
                return;
            }

            float* target = columns;
            for (int c = 0; c < g.Channels; c++)
            {
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        // row k = (c, ky, kx) of col: Hout runs of Wout values, one per output row
                        float* source = xp + (c * hp + ky) * wp + kx;
                        for (int oy = 0; oy < hOut; oy++, target += wOut)
                        {
                            float* from = source + oy * sh * wp;
                            if (sw == 1)
                            {
                                CopyRun(from, target, wOut);
                            }
                            else
                            {
                                for (int ox = 0; ox < wOut; ox++)
                                {
                                    target[ox] = from[ox * sw];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary><see cref="Lower"/> for stride 1 on AVX-512: each run is whole vectors and one masked load, stored
    /// whole (the lanes past the run land where the next run goes, and are overwritten by it; col has
    /// <see cref="Slack"/> values after its end for the last run).</summary>
    private static void LowerAvx512(in ConvolutionGeometry g, float* xp, float* target)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth, sh = g.StrideHeight;
        int full = wOut / 16 * 16;
        Vector512<float> tail = TensorMath.FirstLanes(wOut - full);
        for (int c = 0; c < g.Channels; c++)
        {
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    float* source = xp + (c * hp + ky) * wp + kx;
                    for (int oy = 0; oy < hOut; oy++, target += wOut)
                    {
                        float* from = source + oy * sh * wp;
                        for (int i = 0; i < full; i += 16)
                        {
                            Vector512.Store(Vector512.Load(from + i), target + i);
                        }

                        if (full < wOut)
                        {
                            Vector512.Store(Avx512F.MaskLoad(from + full, tail, Vector512<float>.Zero), target + full);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Values a column buffer and a padded-gradient buffer need after their end (see
    /// <see cref="LowerAvx512"/>, <see cref="AddColumnsAvx512"/>).</summary>
    public const int Slack = 16;

    /// <summary>col2im, the adjoint of <see cref="Lower"/>: dxpad[c, oy·SH + ky, ox·SW + kx] += dcol[k, p] (a value
    /// that met several weights gets all their gradients).</summary>
    /// <param name="g">The geometry.</param>
    /// <param name="dcol">[K, P].</param>
    /// <param name="paddedGradient">[C, Hp, Wp], added to.</param>
    public static void AddColumns(in ConvolutionGeometry g, ReadOnlySpan<float> dcol, Span<float> paddedGradient)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth, p = g.OutputPixels;
        int sh = g.StrideHeight, sw = g.StrideWidth;
        if (paddedGradient.Length < g.PaddedSize || dcol.Length < g.ColumnRows * p)
        {
            throw new ArgumentException("Im2Col.AddColumns: a buffer is too short for the geometry.");
        }

        fixed (float* columns = dcol)
        fixed (float* dxp = paddedGradient)
        {
            if (sw == 1 && Avx512F.IsSupported)
            {
                AddColumnsAvx512(g, columns, dxp);
                return;
            }

            float* source = columns;
            for (int c = 0; c < g.Channels; c++)
            {
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        float* target = dxp + (c * hp + ky) * wp + kx;
                        for (int oy = 0; oy < hOut; oy++, source += wOut)
                        {
                            float* to = target + oy * sh * wp;
                            if (sw == 1)
                            {
                                AddRun(source, to, wOut);
                            }
                            else
                            {
                                for (int ox = 0; ox < wOut; ox++)
                                {
                                    to[ox * sw] += source[ox];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="AddColumns"/> for stride 1 on AVX-512, gathered by destination: each 16-value chunk of a padded row
    /// (c, oy·SH + ky) sums, in a register, the KW runs of col rows (c, ky, 0 … KW − 1) at output row oy that land on it
    /// (each read shifted by kx with a masked load), and is read and written once. (Adding run by run instead makes
    /// every store overlap the next kx's load one value further on, which stalls store forwarding.) Lanes past the
    /// row add nothing and are stored back unchanged, so the padded gradient needs <see cref="Slack"/> values after
    /// its end and must belong to this thread alone.
    /// </summary>
    private static void AddColumnsAvx512(in ConvolutionGeometry g, float* dcol, float* dxp)
    {
        int hp = g.PaddedHeight, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int p = g.OutputPixels, span = wOut + kw - 1, chunks = (span + 15) / 16;
        // masks[chunk·KW + kx]: lanes of chunk that output column x − kx reaches, 0 ≤ x − kx < Wout
        Vector512<float>* masks = stackalloc Vector512<float>[chunks * kw];
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            for (int kx = 0; kx < kw; kx++)
            {
                Vector512<int> ox = Vector512<int>.Indices + Vector512.Create(chunk * 16 - kx);
                masks[chunk * kw + kx] = (Vector512.GreaterThanOrEqual(ox, Vector512<int>.Zero) & Vector512.LessThan(ox, Vector512.Create(wOut))).AsSingle();
            }
        }

        for (int c = 0; c < g.Channels; c++)
        {
            for (int oy = 0; oy < hOut; oy++)
            {
                for (int ky = 0; ky < kh; ky++)
                {
                    float* row = dxp + (c * hp + oy * g.StrideHeight + ky) * wp;
                    float* runs = dcol + (nint)((c * kh + ky) * kw) * p + oy * wOut;
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        int x0 = chunk * 16;
                        Vector512<float> sum = Vector512.Load(row + x0);
                        for (int kx = 0; kx < kw; kx++)
                        {
                            sum += Avx512F.MaskLoad(runs + (nint)kx * p + x0 - kx, masks[chunk * kw + kx], Vector512<float>.Zero);
                        }

                        Vector512.Store(sum, row + x0);
                    }
                }
            }
        }
    }

    /// <summary>to[i] = from[i] for i &lt; n. Runs are short (a row of a small image): masked vectors, no call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* from, float* to, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.Store(Vector512.Load(from + i), to + i);
            }

            if (i < n)
            {
                Vector512<float> mask = TensorMath.FirstLanes(n - i);
                Avx512F.MaskStore(to + i, mask, Avx512F.MaskLoad(from + i, mask, Vector512<float>.Zero));
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.Store(Vector256.Load(from + i), to + i);
            }
        }

        for (; i < n; i++)
        {
            to[i] = from[i];
        }
    }

    /// <summary>to[i] += from[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun(float* from, float* to, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.Store(Vector512.Load(to + i) + Vector512.Load(from + i), to + i);
            }

            if (i < n)
            {
                Vector512<float> mask = TensorMath.FirstLanes(n - i);
                Avx512F.MaskStore(to + i, mask, Avx512F.MaskLoad(to + i, mask, Vector512<float>.Zero) + Avx512F.MaskLoad(from + i, mask, Vector512<float>.Zero));
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.Store(Vector256.Load(to + i) + Vector256.Load(from + i), to + i);
            }
        }

        for (; i < n; i++)
        {
            to[i] += from[i];
        }
    }
}
