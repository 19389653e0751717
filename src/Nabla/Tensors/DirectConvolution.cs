using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

/// <summary>
/// Convolution of a one-channel image (a first layer on grey digits) computed directly, 16 output pixels of a row per
/// vector: with one channel the lowered product has only K = KH·KW (9, 25) terms per output, too short for a GEMM's
/// register tile to pay for its loads and stores, while here each output vector costs K fused multiply-adds on
/// shifted loads of the (padded) input row, and nothing is copied.
/// </summary>
/// <remarks>AVX-512 only (<see cref="Takes"/>); anything else goes through <see cref="Im2Col"/> and the GEMM.</remarks>
internal static unsafe class DirectConvolution
{
    private const int Lanes = 16;

    /// <summary>Values the padded input buffer needs after its end: a vector load that starts inside the last row
    /// may run past it (those lanes are never stored or are multiplied by zero).</summary>
    public const int Slack = Lanes;

    /// <summary>Whether this path computes the convolution of <paramref name="g"/>: one input channel, stride 1, an
    /// AVX-512 CPU.</summary>
    public static bool Takes(in ConvolutionGeometry g) =>
        Avx512F.IsSupported && g.Channels == 1 && g.StrideHeight == 1 && g.StrideWidth == 1;

    /// <summary>y[f, oy, ox] = b[f] + Σ_{ky,kx} w[f, ky, kx]·xpad[oy + ky, ox + kx].</summary>
    /// <param name="g">The geometry (one channel, stride 1).</param>
    /// <param name="padded">The padded sample [Hp, Wp] followed by <see cref="Slack"/> values.</param>
    /// <param name="weights">[F, KH·KW].</param>
    /// <param name="bias">[F], or empty for none.</param>
    /// <param name="filters">F.</param>
    /// <param name="y">[F, Hout, Wout].</param>
    public static void Forward(in ConvolutionGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int filters, Span<float> y)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth;
        int taps = kh * kw, chunks = (wOut + Lanes - 1) / Lanes;
        fixed (float* x = padded)
        fixed (float* w = weights)
        fixed (float* b = bias)
        fixed (float* output = y)
        {
            for (int f = 0; f < filters; f++)
            {
                float* wf = w + f * taps;
                Vector512<float> start = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(b[f]);
                float* plane = output + (nint)f * hOut * wOut;
                for (int chunk = 0; chunk < chunks; chunk++)
                {
                    int ox = chunk * Lanes;
                    Vector512<float> mask = TensorMath.FirstLanes(wOut - ox);
                    int oy = 0;
                    // four output rows at once: four independent chains of fused multiply-adds, one broadcast per tap
                    for (; oy + 4 <= hOut; oy += 4)
                    {
                        Vector512<float> a0 = start, a1 = start, a2 = start, a3 = start;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            float* source = x + (oy + ky) * wp + ox;
                            float* tap = wf + ky * kw;
                            for (int kx = 0; kx < kw; kx++)
                            {
                                Vector512<float> weight = Vector512.Create(tap[kx]);
                                a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(source + kx), weight, a0);
                                a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(source + wp + kx), weight, a1);
                                a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(source + 2 * wp + kx), weight, a2);
                                a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(source + 3 * wp + kx), weight, a3);
                            }
                        }

                        float* row = plane + oy * wOut + ox;
                        Avx512F.MaskStore(row, mask, a0);
                        Avx512F.MaskStore(row + wOut, mask, a1);
                        Avx512F.MaskStore(row + 2 * wOut, mask, a2);
                        Avx512F.MaskStore(row + 3 * wOut, mask, a3);
                    }

                    for (; oy < hOut; oy++)
                    {
                        Vector512<float> acc = start;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            float* source = x + (oy + ky) * wp + ox;
                            float* tap = wf + ky * kw;
                            for (int kx = 0; kx < kw; kx++)
                            {
                                acc = Avx512F.FusedMultiplyAdd(Vector512.Load(source + kx), Vector512.Create(tap[kx]), acc);
                            }
                        }

                        Avx512F.MaskStore(plane + oy * wOut + ox, mask, acc);
                    }
                }
            }
        }
    }

    /// <summary>dW[f, ky, kx] += Σ_{oy,ox} dY[f, oy, ox]·xpad[oy + ky, ox + kx] and db[f] += Σ dY[f, ·, ·].</summary>
    /// <param name="g">The geometry (one channel, stride 1).</param>
    /// <param name="padded">The padded sample [Hp, Wp] followed by <see cref="Slack"/> values.</param>
    /// <param name="dY">[F, Hout, Wout].</param>
    /// <param name="filters">F.</param>
    /// <param name="dWeights">[F, KH·KW], added to.</param>
    /// <param name="dBias">[F], added to; or empty for none.</param>
    public static void AccumulateWeightGradient(in ConvolutionGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<float> dY, int filters, Span<float> dWeights, Span<float> dBias)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, wp = g.PaddedWidth, hOut = g.OutputHeight, wOut = g.OutputWidth;
        int taps = kh * kw, chunks = (wOut + Lanes - 1) / Lanes;
        fixed (float* x = padded)
        fixed (float* gradient = dY)
        fixed (float* dw = dWeights)
        fixed (float* db = dBias)
        {
            for (int f = 0; f < filters; f++)
            {
                float* gf = gradient + (nint)f * hOut * wOut;
                Vector512<float> biasSum = Vector512<float>.Zero;
                for (int chunk = 0; chunk < chunks; chunk++)
                {
                    int ox = chunk * Lanes;
                    // lanes past the row's end load zero gradient: they add nothing
                    Vector512<float> mask = TensorMath.FirstLanes(wOut - ox);
                    for (int oy = 0; oy < hOut; oy++)
                    {
                        biasSum += Avx512F.MaskLoad(gf + oy * wOut + ox, mask, Vector512<float>.Zero);
                    }

                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            float* source = x + ky * wp + ox + kx;
                            float* d = gf + ox;
                            // four rows at once: four independent accumulators
                            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                            int oy = 0;
                            for (; oy + 4 <= hOut; oy += 4)
                            {
                                a0 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(d + oy * wOut, mask, Vector512<float>.Zero), Vector512.Load(source + oy * wp), a0);
                                a1 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(d + (oy + 1) * wOut, mask, Vector512<float>.Zero), Vector512.Load(source + (oy + 1) * wp), a1);
                                a2 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(d + (oy + 2) * wOut, mask, Vector512<float>.Zero), Vector512.Load(source + (oy + 2) * wp), a2);
                                a3 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(d + (oy + 3) * wOut, mask, Vector512<float>.Zero), Vector512.Load(source + (oy + 3) * wp), a3);
                            }

                            for (; oy < hOut; oy++)
                            {
                                a0 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(d + oy * wOut, mask, Vector512<float>.Zero), Vector512.Load(source + oy * wp), a0);
                            }

                            dw[f * taps + ky * kw + kx] += Vector512.Sum((a0 + a1) + (a2 + a3));
                        }
                    }
                }

                if (!dBias.IsEmpty)
                {
                    db[f] += Vector512.Sum(biasSum);
                }
            }
        }
    }
}
