using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Tensors;

/// <summary>
/// A vector of floats of some width, for element-wise kernels written once and compiled for each width (the JIT
/// specializes a generic method per struct type): the gate arithmetic of the recurrent cells, where every value of a
/// step's gates goes through a sigmoid or tanh and a few multiply-adds in one pass, in registers.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal unsafe interface IGateVector<TSelf>
    where TSelf : struct, IGateVector<TSelf>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Count values from <paramref name="source"/>.</summary>
    static abstract TSelf Load(float* source);

    /// <summary>The value in every lane.</summary>
    static abstract TSelf Create(float value);

    /// <summary>a·b + c, one rounding.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>1 / (1 + e⁻ˣ), with <see cref="TensorMath.Exp(ReadOnlySpan{float}, Span{float})"/>'s polynomial.</summary>
    static abstract TSelf Sigmoid(TSelf x);

    /// <summary>tanh: Cephes' odd polynomial for |x| &lt; 0.625, else 1 − 2 / (e²ˣ + 1) (within about 2 ulp; exactly ±1
    /// far out).</summary>
    static abstract TSelf Tanh(TSelf x);

    /// <summary>Sum.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>Difference.</summary>
    static abstract TSelf operator -(TSelf a, TSelf b);

    /// <summary>Product.</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary>Writes the lanes to <paramref name="destination"/>.</summary>
    void Store(float* destination);
}

/// <summary>Cephes' tanhf polynomial: tanh(x) ≈ x + x·s·P(s), s = x², for |x| &lt; 0.625, where 1 − 2/(e²ˣ + 1) would
/// lose the relative precision of small values to cancellation.</summary>
file static class TanhConstants
{
    public const float Small = 0.625f;
    public const float P0 = -5.70498872745e-3f;
    public const float P1 = 2.06390887954e-2f;
    public const float P2 = -5.37397155531e-2f;
    public const float P3 = 1.33314422036e-1f;
    public const float P4 = -3.33332819422e-1f;
}

/// <summary>16 lanes (AVX-512).</summary>
internal readonly unsafe struct GateVector512(Vector512<float> value) : IGateVector<GateVector512>
{
    private readonly Vector512<float> _value = value;

    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 Create(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 MultiplyAdd(GateVector512 a, GateVector512 b, GateVector512 c) => new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 Sigmoid(GateVector512 x) => new(Vector512<float>.One / (Vector512<float>.One + TensorMath.Exp(-x._value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 Tanh(GateVector512 x)
    {
        Vector512<float> v = x._value, s = v * v;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(TanhConstants.P0), s, Vector512.Create(TanhConstants.P1));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(TanhConstants.P2));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(TanhConstants.P3));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(TanhConstants.P4));
        Vector512<float> small = Vector512.FusedMultiplyAdd(p * s, v, v);
        Vector512<float> large = Vector512<float>.One - Vector512.Create(2f) / (TensorMath.Exp(v + v) + Vector512<float>.One);
        return new(Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(v), Vector512.Create(TanhConstants.Small)), small, large));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 operator +(GateVector512 a, GateVector512 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 operator -(GateVector512 a, GateVector512 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector512 operator *(GateVector512 a, GateVector512 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _value.Store(destination);
}

/// <summary>8 lanes (AVX2).</summary>
internal readonly unsafe struct GateVector256(Vector256<float> value) : IGateVector<GateVector256>
{
    private readonly Vector256<float> _value = value;

    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 Load(float* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 Create(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 MultiplyAdd(GateVector256 a, GateVector256 b, GateVector256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 Sigmoid(GateVector256 x) => new(Vector256<float>.One / (Vector256<float>.One + TensorMath.Exp(-x._value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 Tanh(GateVector256 x)
    {
        Vector256<float> v = x._value, s = v * v;
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(TanhConstants.P0), s, Vector256.Create(TanhConstants.P1));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(TanhConstants.P2));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(TanhConstants.P3));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(TanhConstants.P4));
        Vector256<float> small = Vector256.FusedMultiplyAdd(p * s, v, v);
        Vector256<float> large = Vector256<float>.One - Vector256.Create(2f) / (TensorMath.Exp(v + v) + Vector256<float>.One);
        return new(Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(v), Vector256.Create(TanhConstants.Small)), small, large));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 operator +(GateVector256 a, GateVector256 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 operator -(GateVector256 a, GateVector256 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateVector256 operator *(GateVector256 a, GateVector256 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _value.Store(destination);
}

/// <summary>One lane: the tail of a row, and CPUs without 256-bit vectors. The same formulas as the wide ones.</summary>
internal readonly unsafe struct GateScalar(float value) : IGateVector<GateScalar>
{
    private readonly float _value = value;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar Load(float* source) => new(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar MultiplyAdd(GateScalar a, GateScalar b, GateScalar c) => new(MathF.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar Sigmoid(GateScalar x) => new(1f / (1f + TensorMath.Exp(-x._value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar Tanh(GateScalar x)
    {
        float v = x._value, s = v * v;
        float p = MathF.FusedMultiplyAdd(TanhConstants.P0, s, TanhConstants.P1);
        p = MathF.FusedMultiplyAdd(p, s, TanhConstants.P2);
        p = MathF.FusedMultiplyAdd(p, s, TanhConstants.P3);
        p = MathF.FusedMultiplyAdd(p, s, TanhConstants.P4);
        return new(MathF.Abs(v) < TanhConstants.Small ? MathF.FusedMultiplyAdd(p * s, v, v) : 1f - 2f / (TensorMath.Exp(v + v) + 1f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar operator +(GateScalar a, GateScalar b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar operator -(GateScalar a, GateScalar b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GateScalar operator *(GateScalar a, GateScalar b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => *destination = _value;
}

/// <summary>An element-wise kernel over one row of a recurrent step: <see cref="Apply{TV}"/> handles the
/// <c>TV.Count</c> values from index j of every array it holds.</summary>
internal interface IGateKernel
{
    /// <summary>Processes values [j, j + TV.Count).</summary>
    void Apply<TV>(int j)
        where TV : struct, IGateVector<TV>;
}

/// <summary>Runs an <see cref="IGateKernel"/> along a row in the widest vectors this CPU has, then one value at a time.</summary>
internal static class GateLoop
{
    /// <summary>Values [0, <paramref name="count"/>) of <paramref name="kernel"/>'s row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(ref TKernel kernel, int count)
        where TKernel : struct, IGateKernel
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= count; j += 16)
            {
                kernel.Apply<GateVector512>(j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= count; j += 8)
            {
                kernel.Apply<GateVector256>(j);
            }
        }

        for (; j < count; j++)
        {
            kernel.Apply<GateScalar>(j);
        }
    }
}
