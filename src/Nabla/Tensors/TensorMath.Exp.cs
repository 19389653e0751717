using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Tensors;

public static partial class TensorMath
{
    // e^x = 2^n · e^r with n = round(x·log₂e) and r = x − n·ln 2 in [−ln2/2, ln2/2]; ln 2 is split in two parts so
    // that n·Ln2High is exact. e^r is Cephes' expf polynomial (about 1 ulp). 2^n is built in the exponent bits; n = 128
    // (the top 0.35 of the range) is done as 2·2^127. Beyond the limits the result is 0 or ∞.
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float ExpUpperLimit = 88.72283905206835f;
    private const float ExpLowerLimit = -87.3365447505531f;
    private const float ExpP0 = 1.9875691500e-4f;
    private const float ExpP1 = 1.3981999507e-3f;
    private const float ExpP2 = 8.3334519073e-3f;
    private const float ExpP3 = 4.1665795894e-2f;
    private const float ExpP4 = 1.6666665459e-1f;
    private const float ExpP5 = 5.0000001201e-1f;

    /// <summary>
    /// <c>y = eˣ</c>, vectorized (within about 2 ulp of the exact value for results that are normal floats; 0 below
    /// e⁻⁸⁷·³, ∞ above e⁸⁸·³, NaN stays NaN). Faster than <see cref="MathF.Exp"/> per value: softmax and the
    /// cross-entropies spend their time here.
    /// </summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(Exp));
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
            {
                Exp(Vector512.Create(x.Slice(i, Vector512<float>.Count))).CopyTo(y.Slice(i));
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                Exp(Vector256.Create(x.Slice(i, Vector256<float>.Count))).CopyTo(y.Slice(i));
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = Exp(x[i]);
        }
    }

    /// <summary>One value with the same polynomial as the vector paths (so every element gets the same answer).</summary>
    internal static float Exp(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }

        if (x > ExpUpperLimit)
        {
            return float.PositiveInfinity;
        }

        if (x < ExpLowerLimit)
        {
            return 0f;
        }

        float n = MathF.Round(x * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -Ln2High, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Low, r);
        float p = ExpP0;
        p = MathF.FusedMultiplyAdd(p, r, ExpP1);
        p = MathF.FusedMultiplyAdd(p, r, ExpP2);
        p = MathF.FusedMultiplyAdd(p, r, ExpP3);
        p = MathF.FusedMultiplyAdd(p, r, ExpP4);
        p = MathF.FusedMultiplyAdd(p, r, ExpP5);
        p = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        float result = p * BitConverter.Int32BitsToSingle(((int)MathF.Min(n, 127f) + 127) << 23);
        return n > 127f ? result * 2f : result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLowerLimit)), Vector512.Create(ExpUpperLimit));
        Vector512<float> n = Vector512.Round(clamped * Vector512.Create(Log2E));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.Create(ExpP0);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(ExpP5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        Vector512<float> power = Vector512.ShiftLeft(Vector512.ConvertToInt32(Vector512.Min(n, Vector512.Create(127f))) + Vector512.Create(127), 23).AsSingle();
        Vector512<float> result = p * power;
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(n, Vector512.Create(127f)), result + result, result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpLowerLimit)), Vector512<float>.Zero, result);
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpUpperLimit)), Vector512.Create(float.PositiveInfinity), result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLowerLimit)), Vector256.Create(ExpUpperLimit));
        Vector256<float> n = Vector256.Round(clamped * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> p = Vector256.Create(ExpP0);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(ExpP5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        Vector256<float> power = Vector256.ShiftLeft(Vector256.ConvertToInt32(Vector256.Min(n, Vector256.Create(127f))) + Vector256.Create(127), 23).AsSingle();
        Vector256<float> result = p * power;
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(n, Vector256.Create(127f)), result + result, result);
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpLowerLimit)), Vector256<float>.Zero, result);
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(ExpUpperLimit)), Vector256.Create(float.PositiveInfinity), result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }
}
