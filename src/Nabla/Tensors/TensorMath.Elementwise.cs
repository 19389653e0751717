using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Tensors;

/// <summary>
/// Element-wise and reduction kernels over spans. Conventions: inputs first, sizes next, the destination last;
/// matrices are row-major <c>[rows, columns]</c>; kernels trust their arguments (callers check shapes).
/// </summary>
public static partial class TensorMath
{
    /// <summary>Adds the row vector <paramref name="bias"/> to every row: <c>y[i, j] += bias[j]</c>.</summary>
    /// <param name="bias">Length = columns.</param>
    /// <param name="rows">Number of rows of <paramref name="y"/>.</param>
    /// <param name="y">[rows, bias.Length], updated in place.</param>
    public static void AddRowVector(ReadOnlySpan<float> bias, int rows, Span<float> y)
    {
        int columns = bias.Length;
        if (columns < 16)
        {
            // Few columns (an output layer): a library call per row would cost more than its arithmetic.
            AddRowVectorNarrow(bias, rows, y);
            return;
        }

        for (int i = 0; i < rows; i++)
        {
            Span<float> row = y.Slice(i * columns, columns);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>Accumulates the column sums of <paramref name="x"/>: <c>sums[j] += Σᵢ x[i, j]</c>
    /// (a bias gradient, dB = Σᵢ dY[i, ·]).</summary>
    public static void AccumulateColumnSums(ReadOnlySpan<float> x, int rows, Span<float> sums)
    {
        int columns = sums.Length;
        if (columns < 16)
        {
            AccumulateColumnSumsNarrow(x, rows, sums);
            return;
        }

        for (int i = 0; i < rows; i++)
        {
            TensorPrimitives.Add(sums, x.Slice(i * columns, columns), sums);
        }
    }

    private static unsafe void AddRowVectorNarrow(ReadOnlySpan<float> bias, int rows, Span<float> y)
    {
        int columns = bias.Length;
        if (y.Length < rows * columns)
        {
            throw new ArgumentException($"{nameof(AddRowVector)}: y holds {y.Length} values, not {rows}×{columns}.");
        }

        fixed (float* b = bias)
        fixed (float* target = y)
        {
            if (Avx512F.IsSupported)
            {
                // one masked vector per row
                Vector512<float> mask = FirstLanes(columns);
                Vector512<float> b16 = Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
                for (int i = 0; i < rows; i++)
                {
                    float* row = target + (nint)i * columns;
                    Avx512F.MaskStore(row, mask, Avx512F.MaskLoad(row, mask, Vector512<float>.Zero) + b16);
                }

                return;
            }

            for (int i = 0; i < rows; i++)
            {
                float* row = target + (nint)i * columns;
                for (int j = 0; j < columns; j++)
                {
                    row[j] += b[j];
                }
            }
        }
    }

    private static unsafe void AccumulateColumnSumsNarrow(ReadOnlySpan<float> x, int rows, Span<float> sums)
    {
        int columns = sums.Length;
        if (x.Length < rows * columns)
        {
            throw new ArgumentException($"{nameof(AccumulateColumnSums)}: x holds {x.Length} values, not {rows}×{columns}.");
        }

        fixed (float* source = x)
        fixed (float* s = sums)
        {
            if (Avx512F.IsSupported)
            {
                Vector512<float> mask = FirstLanes(columns);
                Vector512<float> total = Avx512F.MaskLoad(s, mask, Vector512<float>.Zero);
                for (int i = 0; i < rows; i++)
                {
                    total += Avx512F.MaskLoad(source + (nint)i * columns, mask, Vector512<float>.Zero);
                }

                Avx512F.MaskStore(s, mask, total);
                return;
            }

            for (int i = 0; i < rows; i++)
            {
                float* row = source + (nint)i * columns;
                for (int j = 0; j < columns; j++)
                {
                    s[j] += row[j];
                }
            }
        }
    }

    /// <summary><c>x[i] *= alpha</c>.</summary>
    public static void Scale(float alpha, Span<float> x) => TensorPrimitives.Multiply(x, alpha, x);

    /// <summary><c>y[i] = scale·x[i] + shift</c> (an affine map with one scale and shift: a normalized channel).</summary>
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(ScaleShift));
        int i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = Vector512.Create(scale), b = Vector512.Create(shift);
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xRef, (nuint)i), a, b).StoreUnsafe(ref yRef, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a = Vector256.Create(scale), b = Vector256.Create(shift);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xRef, (nuint)i), a, b).StoreUnsafe(ref yRef, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(x[i], scale, shift);
        }
    }

    /// <summary><c>y[i] += alpha·x[i]</c> (BLAS axpy).</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(Axpy));
        TensorPrimitives.MultiplyAdd(x, alpha, y, y);
    }

    /// <summary>ReLU, <c>y = max(x, 0)</c>.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>ReLU backward, from the forward output: <c>dX = y &gt; 0 ? dY : 0</c>.</summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, Span<float> dX)
    {
        CheckSameLength(y.Length, dY.Length, nameof(ReluBackward));
        CheckSameLength(y.Length, dX.Length, nameof(ReluBackward));
        int i = 0;
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float dYRef = ref MemoryMarshal.GetReference(dY);
        ref float dXRef = ref MemoryMarshal.GetReference(dX);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> mask = Vector512.GreaterThan(Vector512.LoadUnsafe(ref yRef, (nuint)i), Vector512<float>.Zero);
                (Vector512.LoadUnsafe(ref dYRef, (nuint)i) & mask).StoreUnsafe(ref dXRef, (nuint)i);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var mask = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
                Vector.ConditionalSelect(mask, new Vector<float>(dY[i..]), Vector<float>.Zero).CopyTo(dX[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            dX[i] = y[i] > 0f ? dY[i] : 0f;
        }
    }

    /// <summary>Leaky ReLU, <c>y = x &gt; 0 ? x : slope·x</c>.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float slope, Span<float> y)
    {
        CheckSameLength(x.Length, y.Length, nameof(LeakyRelu));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var s = new Vector<float>(slope);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * s).CopyTo(y[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : slope * x[i];
        }
    }

    /// <summary>Leaky ReLU backward, from the forward output (same sign as the input for slope &gt; 0):
    /// <c>dX = y &gt; 0 ? dY : slope·dY</c>.</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, float slope, Span<float> dX)
    {
        CheckSameLength(y.Length, dY.Length, nameof(LeakyReluBackward));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var s = new Vector<float>(slope);
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = new Vector<float>(dY[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero), g, g * s).CopyTo(dX[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            dX[i] = y[i] > 0f ? dY[i] : slope * dY[i];
        }
    }

    /// <summary>Logistic sigmoid, <c>y = 1 / (1 + e⁻ˣ)</c>.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

    /// <summary>Sigmoid backward, from the forward output: <c>dX = dY·y·(1 − y)</c>.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, Span<float> dX)
    {
        CheckSameLength(y.Length, dY.Length, nameof(SigmoidBackward));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(y[i..]);
                (new Vector<float>(dY[i..]) * v * (Vector<float>.One - v)).CopyTo(dX[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            dX[i] = dY[i] * y[i] * (1f - y[i]);
        }
    }

    /// <summary>Hyperbolic tangent, <c>y = tanh(x)</c>.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    /// <summary>Tanh backward, from the forward output: <c>dX = dY·(1 − y²)</c>.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, Span<float> dX)
    {
        CheckSameLength(y.Length, dY.Length, nameof(TanhBackward));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(y[i..]);
                (new Vector<float>(dY[i..]) * (Vector<float>.One - v * v)).CopyTo(dX[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            dX[i] = dY[i] * (1f - y[i] * y[i]);
        }
    }

    private static void CheckSameLength(int a, int b, string kernel)
    {
        if (a != b)
        {
            throw new ArgumentException($"{kernel}: the spans differ in length ({a} vs {b}).");
        }
    }
}
