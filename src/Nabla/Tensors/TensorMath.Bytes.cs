using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

public static partial class TensorMath
{
    /// <summary>
    /// Expands bytes to scaled floats, <c>y[i] = x[i]·scale</c> — 8-bit pixels to [0, 1] with scale 1/255. The result
    /// is exactly <c>(float)x[i] * scale</c>, so data kept as bytes and expanded batch by batch trains bit for bit like
    /// data expanded once up front.
    /// </summary>
    public static unsafe void ExpandBytes(ReadOnlySpan<byte> x, float scale, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(ExpandBytes));
        int i = 0;
        fixed (byte* source = x)
        fixed (float* target = y)
        {
            if (Avx512F.IsSupported)
            {
                // 16 bytes → 16 int32 (vpmovzxbd) → 16 floats, four times per 64 bytes
                Vector512<float> factor = Vector512.Create(scale);
                for (; i + 64 <= x.Length; i += 64)
                {
                    for (int part = 0; part < 64; part += 16)
                    {
                        Vector512<int> widened = Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(source + i + part));
                        Vector512.Store(Avx512F.ConvertToVector512Single(widened) * factor, target + i + part);
                    }
                }
            }
            else if (Avx2.IsSupported)
            {
                Vector256<float> factor = Vector256.Create(scale);
                for (; i + 32 <= x.Length; i += 32)
                {
                    for (int part = 0; part < 32; part += 8)
                    {
                        Vector256<int> widened = Avx2.ConvertToVector256Int32(source + i + part);
                        Vector256.Store(Avx.ConvertToVector256Single(widened) * factor, target + i + part);
                    }
                }
            }

            for (; i < x.Length; i++)
            {
                target[i] = source[i] * scale;
            }
        }
    }

    /// <summary><see cref="ExpandBytes"/> of each listed row of a byte matrix into consecutive rows of
    /// <paramref name="y"/>: <c>y[r, ·] = x[rows[r], ·]·scale</c>.</summary>
    public static void ExpandByteRows(ReadOnlySpan<byte> x, int columns, ReadOnlySpan<int> rows, float scale, Span<float> y)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            ExpandBytes(x.Slice(rows[r] * columns, columns), scale, y.Slice(r * columns, columns));
        }
    }
}
