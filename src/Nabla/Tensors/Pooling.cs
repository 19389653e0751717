using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

/// <summary>
/// Max and average pooling of one sample [C, H, W] → [C, Hout, Wout] over KH×KW windows moved by SH×SW (no padding:
/// <see cref="ConvolutionGeometry"/> with valid padding). Max pooling keeps, for each output, the position in the
/// sample of the value it took (the first maximum in row-major order, as PyTorch), which is where backward sends the
/// gradient.
/// </summary>
internal static unsafe class Pooling
{
    // PermuteVar16x32x2 indices that pick the even and the odd lanes of two vectors (32 consecutive values).
    private static readonly Vector512<int> s_even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> s_odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    /// <summary>Whether <see cref="MaxForward"/> takes the vector path: 2×2 windows, stride 2, AVX-512.</summary>
    public static bool IsVectorized(in ConvolutionGeometry g) =>
        Avx512F.IsSupported && g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2;

    /// <summary>y[c, oy, ox] = max over the window of x; <paramref name="argmax"/> gets its index in x.</summary>
    /// <param name="g">The geometry (valid padding).</param>
    /// <param name="x">One sample, [C, H, W].</param>
    /// <param name="y">[C, Hout, Wout].</param>
    /// <param name="argmax">[C, Hout, Wout]: indices into <paramref name="x"/>.</param>
    public static void MaxForward(in ConvolutionGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        if (IsVectorized(g))
        {
            MaxForward2x2(g, x, y, argmax);
        }
        else
        {
            MaxForwardScalar(g, x, y, argmax);
        }
    }

    /// <summary>The plain loops, for any window and stride (the reference of the vector path, too).</summary>
    internal static void MaxForwardScalar(in ConvolutionGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        int o = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            int plane = c * g.Height * g.Width;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++, o++)
                {
                    int best = plane + oy * g.StrideHeight * g.Width + ox * g.StrideWidth;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int row = plane + (oy * g.StrideHeight + ky) * g.Width + ox * g.StrideWidth;
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            if (x[row + kx] > x[best])
                            {
                                best = row + kx;
                            }
                        }
                    }

                    y[o] = x[best];
                    argmax[o] = best;
                }
            }
        }
    }

    /// <summary>2×2, stride 2: 16 outputs per step from two rows of 32 inputs, split into even and odd columns.</summary>
    private static void MaxForward2x2(in ConvolutionGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        int w = g.Width, hOut = g.OutputHeight, wOut = g.OutputWidth;
        Vector512<int> lanes2 = Vector512<int>.Indices * 2;
        Vector512<int> one = Vector512.Create(1), down = Vector512.Create(w), downRight = Vector512.Create(w + 1);
        // the last chunk of a row has n ≤ 16 outputs from 2·n inputs; lanes past them are not read (masked loads)
        int tail = wOut - (wOut - 1) / 16 * 16;
        Vector512<float> full = Vector512<float>.AllBitsSet;
        Vector512<float> tailLow = TensorMath.FirstLanes(Math.Min(16, 2 * tail)), tailHigh = TensorMath.FirstLanes(2 * tail - 16), tailOut = TensorMath.FirstLanes(tail);
        fixed (float* source = x)
        fixed (float* target = y)
        fixed (int* indices = argmax)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                int plane = c * g.Height * w;
                for (int oy = 0; oy < hOut; oy++)
                {
                    int rowStart = plane + 2 * oy * w;
                    float* top = source + rowStart, bottom = top + w;
                    float* output = target + (c * hOut + oy) * wOut;
                    int* index = indices + (c * hOut + oy) * wOut;
                    for (int ox = 0; ox < wOut; ox += 16)
                    {
                        bool last = ox + 16 >= wOut;
                        Vector512<float> lowMask = last ? tailLow : full, highMask = last ? tailHigh : full;
                        Vector512<float> a0 = Avx512F.MaskLoad(top + 2 * ox, lowMask, Vector512<float>.Zero);
                        Vector512<float> a1 = Avx512F.MaskLoad(top + 2 * ox + 16, highMask, Vector512<float>.Zero);
                        Vector512<float> b0 = Avx512F.MaskLoad(bottom + 2 * ox, lowMask, Vector512<float>.Zero);
                        Vector512<float> b1 = Avx512F.MaskLoad(bottom + 2 * ox + 16, highMask, Vector512<float>.Zero);
                        Vector512<float> topLeft = Avx512F.PermuteVar16x32x2(a0, s_even, a1), topRight = Avx512F.PermuteVar16x32x2(a0, s_odd, a1);
                        Vector512<float> bottomLeft = Avx512F.PermuteVar16x32x2(b0, s_even, b1), bottomRight = Avx512F.PermuteVar16x32x2(b0, s_odd, b1);

                        // scan the window in row-major order, replacing only on a strictly larger value (first maximum wins)
                        Vector512<float> best = topLeft;
                        Vector512<int> offset = Vector512<int>.Zero;
                        Vector512<int> larger = Vector512.GreaterThan(topRight, best).AsInt32();
                        best = Vector512.ConditionalSelect(larger.AsSingle(), topRight, best);
                        offset = Vector512.ConditionalSelect(larger, one, offset);
                        larger = Vector512.GreaterThan(bottomLeft, best).AsInt32();
                        best = Vector512.ConditionalSelect(larger.AsSingle(), bottomLeft, best);
                        offset = Vector512.ConditionalSelect(larger, down, offset);
                        larger = Vector512.GreaterThan(bottomRight, best).AsInt32();
                        best = Vector512.ConditionalSelect(larger.AsSingle(), bottomRight, best);
                        offset = Vector512.ConditionalSelect(larger, downRight, offset);

                        Vector512<int> position = Vector512.Create(rowStart + 2 * ox) + lanes2 + offset;
                        Vector512<float> outMask = last ? tailOut : full;
                        Avx512F.MaskStore(output + ox, outMask, best);
                        Avx512F.MaskStore(index + ox, outMask.AsInt32(), position);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="MaxBackward"/> for 2×2 windows with stride 2 (each input in at most one window): for 16 outputs at
    /// a time, each gradient goes to the one of its four window positions its argmax names, and the pairs of rows are
    /// written whole (even and odd columns interleaved back with a two-source permute). With <paramref name="gate"/>
    /// (the pooled values of a fused ReLU block) a gradient passes only where its pooled value is positive. The result
    /// is bit for bit the scalar scatter's: each position is 0 plus at most one gradient.
    /// </summary>
    public static void MaxBackward2x2(in ConvolutionGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> gate, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        int w = g.Width, hOut = g.OutputHeight, wOut = g.OutputWidth;
        if (g.Height % 2 != 0 || w % 2 != 0)
        {
            // the last row or column is in no window
            dx.Clear();
        }

        Vector512<int> lanes2 = Vector512<int>.Indices * 2;
        Vector512<int> one = Vector512.Create(1), down = Vector512.Create(w), downRight = Vector512.Create(w + 1);
        Vector512<int> interleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<int> interleaveHigh = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        int tail = wOut - (wOut - 1) / 16 * 16;
        Vector512<float> full = Vector512<float>.AllBitsSet;
        Vector512<float> tailIn = TensorMath.FirstLanes(tail), tailLow = TensorMath.FirstLanes(Math.Min(16, 2 * tail)), tailHigh = TensorMath.FirstLanes(2 * tail - 16);
        bool gated = !gate.IsEmpty;
        fixed (float* gradient = dy)
        fixed (float* pooled = gate)
        fixed (int* indices = argmax)
        fixed (float* target = dx)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                int plane = c * g.Height * w;
                for (int oy = 0; oy < hOut; oy++)
                {
                    int rowStart = plane + 2 * oy * w, o = (c * hOut + oy) * wOut;
                    float* top = target + rowStart, bottom = top + w;
                    for (int ox = 0; ox < wOut; ox += 16)
                    {
                        bool last = ox + 16 >= wOut;
                        Vector512<float> inMask = last ? tailIn : full;
                        Vector512<float> d = Avx512F.MaskLoad(gradient + o + ox, inMask, Vector512<float>.Zero);
                        if (gated)
                        {
                            d &= Vector512.GreaterThan(Avx512F.MaskLoad(pooled + o + ox, inMask, Vector512<float>.Zero), Vector512<float>.Zero);
                        }

                        Vector512<int> offset = Avx512F.MaskLoad(indices + o + ox, inMask.AsInt32(), Vector512<int>.Zero) - (Vector512.Create(rowStart + 2 * ox) + lanes2);
                        Vector512<float> topLeft = d & Vector512.Equals(offset, Vector512<int>.Zero).AsSingle();
                        Vector512<float> topRight = d & Vector512.Equals(offset, one).AsSingle();
                        Vector512<float> bottomLeft = d & Vector512.Equals(offset, down).AsSingle();
                        Vector512<float> bottomRight = d & Vector512.Equals(offset, downRight).AsSingle();

                        // + 0 turns a −0 gradient into +0, as 0 + (−0) does in the scalar scatter
                        Vector512<float> lowMask = last ? tailLow : full, highMask = last ? tailHigh : full;
                        Avx512F.MaskStore(top + 2 * ox, lowMask, Avx512F.PermuteVar16x32x2(topLeft, interleaveLow, topRight) + Vector512<float>.Zero);
                        Avx512F.MaskStore(top + 2 * ox + 16, highMask, Avx512F.PermuteVar16x32x2(topLeft, interleaveHigh, topRight) + Vector512<float>.Zero);
                        Avx512F.MaskStore(bottom + 2 * ox, lowMask, Avx512F.PermuteVar16x32x2(bottomLeft, interleaveLow, bottomRight) + Vector512<float>.Zero);
                        Avx512F.MaskStore(bottom + 2 * ox + 16, highMask, Avx512F.PermuteVar16x32x2(bottomLeft, interleaveHigh, bottomRight) + Vector512<float>.Zero);
                    }
                }
            }
        }
    }

    /// <summary>dx = 0, then dx[argmax[j]] += dy[j]: each output's gradient goes to the input it took.</summary>
    public static void MaxBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        dx.Clear();
        for (int j = 0; j < dy.Length; j++)
        {
            dx[argmax[j]] += dy[j];
        }
    }

    /// <summary>y[c, oy, ox] = the mean of the window.</summary>
    public static void AverageForward(in ConvolutionGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
        float scale = 1f / (g.KernelHeight * g.KernelWidth);
        int o = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            int plane = c * g.Height * g.Width;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++, o++)
                {
                    float sum = 0f;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        ReadOnlySpan<float> row = x.Slice(plane + (oy * g.StrideHeight + ky) * g.Width + ox * g.StrideWidth, g.KernelWidth);
                        for (int kx = 0; kx < row.Length; kx++)
                        {
                            sum += row[kx];
                        }
                    }

                    y[o] = sum * scale;
                }
            }
        }
    }

    /// <summary>dx = 0, then every input of a window gets dy/(KH·KW) of each window it is in.</summary>
    public static void AverageBackward(in ConvolutionGeometry g, ReadOnlySpan<float> dy, Span<float> dx)
    {
        float scale = 1f / (g.KernelHeight * g.KernelWidth);
        dx.Clear();
        int o = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            int plane = c * g.Height * g.Width;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                for (int ox = 0; ox < g.OutputWidth; ox++, o++)
                {
                    float share = dy[o] * scale;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        Span<float> row = dx.Slice(plane + (oy * g.StrideHeight + ky) * g.Width + ox * g.StrideWidth, g.KernelWidth);
                        for (int kx = 0; kx < row.Length; kx++)
                        {
                            row[kx] += share;
                        }
                    }
                }
            }
        }
    }
}
