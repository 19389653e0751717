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
        int taps = kh * kw;
        Vector512<float> tailMask = TensorMath.FirstLanes(wOut % Lanes == 0 ? Lanes : wOut % Lanes);
        int fullChunks = wOut / Lanes, chunks = (wOut + Lanes - 1) / Lanes;
        fixed (float* x = padded)
        fixed (float* w = weights)
        fixed (float* b = bias)
        fixed (float* output = y)
        {
            for (int f = 0; f < filters; f++)
            {
                float* wf = w + f * taps;
                Vector512<float> start = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(b[f]);
                for (int oy = 0; oy < hOut; oy++)
                {
                    float* row = output + ((nint)f * hOut + oy) * wOut;
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        int ox = chunk * Lanes;
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

                        if (chunk < fullChunks)
                        {
                            Vector512.Store(acc, row + ox);
                        }
                        else
                        {
                            Avx512F.MaskStore(row + ox, tailMask, acc);
                        }
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
        int taps = kh * kw;
        Vector512<float> tailMask = TensorMath.FirstLanes(wOut % Lanes == 0 ? Lanes : wOut % Lanes);
        int fullChunks = wOut / Lanes, chunks = (wOut + Lanes - 1) / Lanes;
        fixed (float* x = padded)
        fixed (float* gradient = dY)
        fixed (float* dw = dWeights)
        fixed (float* db = dBias)
        {
            for (int f = 0; f < filters; f++)
            {
                float* gf = gradient + (nint)f * hOut * wOut;
                for (int ky = 0; ky < kh; ky++)
                {
                    for (int kx = 0; kx < kw; kx++)
                    {
                        // two accumulators, so consecutive fused multiply-adds do not wait for each other
                        Vector512<float> even = Vector512<float>.Zero, odd = Vector512<float>.Zero;
                        for (int oy = 0; oy < hOut; oy++)
                        {
                            float* d = gf + oy * wOut;
                            float* source = x + (oy + ky) * wp + kx;
                            for (int chunk = 0; chunk < chunks; chunk++)
                            {
                                int ox = chunk * Lanes;
                                // lanes past the row's end load zero gradient: they add nothing
                                Vector512<float> dy = chunk < fullChunks ? Vector512.Load(d + ox) : Avx512F.MaskLoad(d + ox, tailMask, Vector512<float>.Zero);
                                if (((oy * chunks + chunk) & 1) == 0)
                                {
                                    even = Avx512F.FusedMultiplyAdd(dy, Vector512.Load(source + ox), even);
                                }
                                else
                                {
                                    odd = Avx512F.FusedMultiplyAdd(dy, Vector512.Load(source + ox), odd);
                                }
                            }
                        }

                        dw[f * taps + ky * kw + kx] += Vector512.Sum(even + odd);
                    }
                }

                if (!dBias.IsEmpty)
                {
                    Vector512<float> sum = Vector512<float>.Zero;
                    for (int oy = 0; oy < hOut; oy++)
                    {
                        float* d = gf + oy * wOut;
                        for (int chunk = 0; chunk < chunks; chunk++)
                        {
                            sum += chunk < fullChunks ? Vector512.Load(d + chunk * Lanes) : Avx512F.MaskLoad(d + chunk * Lanes, tailMask, Vector512<float>.Zero);
                        }
                    }

                    db[f] += Vector512.Sum(sum);
                }
            }
        }
    }
}
