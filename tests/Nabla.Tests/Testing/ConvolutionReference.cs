namespace Nabla.Tests.Testing;

/// <summary>
/// The textbook loops for convolution and pooling, straight from the equations, in double with explicit bounds tests
/// for the padding: the algorithmic reference the fast layers are tested against (as GemmReference is for the GEMM).
/// Images are [batch, C, H, W], weights [F, C, KH, KW], row-major.
/// </summary>
internal static class ConvolutionReference
{
    /// <summary>The output size and the padding before the first row, Keras's and PyTorch's rules.</summary>
    public static (int Output, int PadBefore) Size(int input, int kernel, int stride, bool same)
    {
        if (!same)
        {
            return ((input - kernel) / stride + 1, 0);
        }

        int output = (input + stride - 1) / stride;
        return (output, Math.Max(0, (output - 1) * stride + kernel - input) / 2);
    }

    /// <summary>y[n, f, oy, ox] = b[f] + Σ_{c,ky,kx} w[f, c, ky, kx]·x[n, c, oy·sh + ky − pt, ox·sw + kx − pl] (0 outside).</summary>
    public static float[] Forward(float[] x, int batch, int c, int h, int w, float[] weights, float[]? bias, int f, int kh, int kw, int sh, int sw, bool same)
    {
        var (ho, pt) = Size(h, kh, sh, same);
        var (wo, pl) = Size(w, kw, sw, same);
        float[] y = new float[batch * f * ho * wo];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < f; o++)
            {
                for (int oy = 0; oy < ho; oy++)
                {
                    for (int ox = 0; ox < wo; ox++)
                    {
                        double sum = bias?[o] ?? 0;
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int ky = 0; ky < kh; ky++)
                            {
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = oy * sh + ky - pt, ix = ox * sw + kx - pl;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        sum += (double)weights[((o * c + ch) * kh + ky) * kw + kx] * x[((n * c + ch) * h + iy) * w + ix];
                                    }
                                }
                            }
                        }

                        y[((n * f + o) * ho + oy) * wo + ox] = (float)sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>dW, db and dX for output gradient <paramref name="dy"/>: each term of the forward sum sends dy·(the
    /// other factor) to both factors.</summary>
    public static (float[] DWeights, float[] DBias, float[] DInput) Backward(float[] x, int batch, int c, int h, int w, float[] weights, int f, int kh, int kw, int sh, int sw, bool same, float[] dy)
    {
        var (ho, pt) = Size(h, kh, sh, same);
        var (wo, pl) = Size(w, kw, sw, same);
        double[] dW = new double[weights.Length], dB = new double[f], dX = new double[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < f; o++)
            {
                for (int oy = 0; oy < ho; oy++)
                {
                    for (int ox = 0; ox < wo; ox++)
                    {
                        double g = dy[((n * f + o) * ho + oy) * wo + ox];
                        dB[o] += g;
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int ky = 0; ky < kh; ky++)
                            {
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = oy * sh + ky - pt, ix = ox * sw + kx - pl;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        int wi = ((o * c + ch) * kh + ky) * kw + kx, xi = ((n * c + ch) * h + iy) * w + ix;
                                        dW[wi] += g * x[xi];
                                        dX[xi] += g * weights[wi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return (ToFloat(dW), ToFloat(dB), ToFloat(dX));
    }

    /// <summary>Max pooling without padding; ties go to the first maximum in row-major order. Returns the output and,
    /// for each output, the flat index into x of the input it took.</summary>
    public static (float[] Output, int[] Argmax) MaxPool(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw)
    {
        int ho = (h - kh) / sh + 1, wo = (w - kw) / sw + 1;
        float[] y = new float[planes * ho * wo];
        int[] argmax = new int[y.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int oy = 0; oy < ho; oy++)
            {
                for (int ox = 0; ox < wo; ox++)
                {
                    int best = -1;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int i = (p * h + oy * sh + ky) * w + ox * sw + kx;
                            if (best < 0 || x[i] > x[best])
                            {
                                best = i;
                            }
                        }
                    }

                    int o = (p * ho + oy) * wo + ox;
                    (y[o], argmax[o]) = (x[best], best);
                }
            }
        }

        return (y, argmax);
    }

    /// <summary>Average pooling without padding.</summary>
    public static float[] AvgPool(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw)
    {
        int ho = (h - kh) / sh + 1, wo = (w - kw) / sw + 1;
        float[] y = new float[planes * ho * wo];
        for (int p = 0; p < planes; p++)
        {
            for (int oy = 0; oy < ho; oy++)
            {
                for (int ox = 0; ox < wo; ox++)
                {
                    double sum = 0;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            sum += x[(p * h + oy * sh + ky) * w + ox * sw + kx];
                        }
                    }

                    y[(p * ho + oy) * wo + ox] = (float)(sum / (kh * kw));
                }
            }
        }

        return y;
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
