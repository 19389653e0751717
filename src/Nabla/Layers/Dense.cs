using Nabla.Data;
using System.Globalization;
using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Fully connected layer, <c>Y = X·W + b</c>.
/// </summary>
/// <remarks>
/// Shapes: X is [batch, in], W is [in, out] (scikit-learn's <c>coefs_</c> layout, so the forward pass needs no
/// transpose), b is [out], Y is [batch, out].
/// </remarks>
public sealed class Dense : Layer
{
    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private Parameter? _weight;
    private Parameter? _bias;
    private Tensor? _input;
    private ByteRows? _byteInput;
    private Parameter[] _parameters = [];

    /// <summary>Creates a layer with <paramref name="units"/> outputs; the input width comes from the model.</summary>
    public Dense(int units, Initializer initializer = Initializer.Default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        Units = units;
        Initializer = initializer;
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    /// <summary>How the weights start; <see cref="Initializer.Default"/> is resolved by the model from the next layer.</summary>
    public Initializer Initializer { get; internal set; }

    /// <summary>W, [in, out].</summary>
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <summary>b, [out].</summary>
    public Parameter Bias => _bias ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <inheritdoc/>
    public override string Kind => "dense";

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["units"] = Units.ToString(CultureInfo.InvariantCulture),
        ["initializer"] = Initialization.NameOf(Initializer),
    };

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 1)
        {
            throw new ShapeMismatchException($"Layer {Describe()} expects flat inputs [batch, features] but got [batch, {string.Join(", ", inputShape.ToArray())}]: add a flatten step first.");
        }

        if (_weight is null || _weight.Shape[0] != inputShape[0])
        {
            _weight = new Parameter("weight", new Shape(inputShape[0], Units), isWeight: true);
            _bias = new Parameter("bias", new Shape(Units), isWeight: false);
            _parameters = [_weight, _bias];
        }

        return new Shape(Units);
    }

    /// <inheritdoc/>
    public override void Initialize(Random random)
    {
        Initialization.Fill(Initializer, Weight.Shape[0], Units, Weight.Value, Bias.Value, random);
    }

    /// <summary>Whether <see cref="ForwardBytes"/> can take this layer's input: few outputs, an AVX-512 CPU.</summary>
    internal bool AcceptsByteRows => Units <= GemmSmallN.MaxColumns && GemmBytesTransposed.IsSupported;

    /// <summary>Y = X·W + b.</summary>
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        _input = input;
        _byteInput = null;
        Tensor output = _output.Get(input.Rows, Units);
        Gemm.Multiply(input.Span, false, Weight.Value, false, output.Span, input.Rows, Weight.Shape[0], Units);
        TensorMath.AddRowVector(Bias.Value, input.Rows, output.Span);
        return output;
    }

    /// <summary>Y = X·W + b with X the scaled bytes of a compact dataset's batch, read in place (as the first layer).</summary>
    internal unsafe Tensor ForwardBytes(ByteRows input)
    {
        if (input.Width != Weight.Shape[0])
        {
            throw new ShapeMismatchException($"Layer {Describe()} expects input of shape [batch, {Weight.Shape[0]}] but got [{input.Rows}, {input.Width}].");
        }

        _input = null;
        _byteInput = input;
        Tensor output = _output.Get(input.Rows, Units);
        fixed (byte* a = input.Data)
        fixed (int* rows = input.Order)
        fixed (float* w = Weight.Value)
        fixed (float* y = output.Span)
        {
            GemmSmallN.MultiplyBytes(a, rows + input.Start, input.Scale, w, Units, false, y, Units, input.Rows, input.Width, Units);
        }

        TensorMath.AddRowVector(Bias.Value, input.Rows, output.Span);
        return output;
    }

    /// <summary>dW += Xᵀ·dY, db += Σ_batch dY, dX = dY·Wᵀ.</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        if (_byteInput is { } bytes)
        {
            return BackwardBytes(bytes, outputGradient, needInputGradient);
        }

        Tensor input = _input ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (outputGradient.Rows != input.Rows || outputGradient.RowLength != Units)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced [{input.Rows}, {Units}] but got a gradient of shape {outputGradient.Shape}.");
        }

        int batch = input.Rows, fanIn = Weight.Shape[0];

        // in the forward pass this was Y = X·W + b, so dW = Xᵀ·dY (accumulated: beta = 1) and db = Σᵢ dY[i, ·]
        Gemm.Multiply(input.Span, true, outputGradient.Span, false, Weight.Gradient, fanIn, batch, Units, 1f, 1f);
        TensorMath.AccumulateColumnSums(outputGradient.Span, batch, Bias.Gradient);
        if (!needInputGradient)
        {
            return null;
        }

        // and dX = dY·Wᵀ
        Tensor inputGradient = _inputGradient.Get(batch, fanIn);
        Gemm.Multiply(outputGradient.Span, false, Weight.Value, true, inputGradient.Span, batch, Units, fanIn);
        return inputGradient;
    }

    /// <summary>The backward pass after <see cref="ForwardBytes"/>: dW += Xᵀ·dY from the bytes, db += Σ_batch dY.</summary>
    private unsafe Tensor? BackwardBytes(ByteRows input, Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (outputGradient.Rows != input.Rows || outputGradient.RowLength != Units)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced [{input.Rows}, {Units}] but got a gradient of shape {outputGradient.Shape}.");
        }

        if (needInputGradient)
        {
            throw new InvalidOperationException($"Layer {Describe()} read its input as bytes and has no input gradient: it must be the first layer.");
        }

        fixed (byte* a = input.Data)
        fixed (int* rows = input.Order)
        fixed (float* dY = outputGradient.Span)
        fixed (float* dW = Weight.Gradient)
        {
            GemmBytesTransposed.MultiplyAdd(a, rows + input.Start, input.Scale, dY, dW, input.Rows, input.Width, Units);
        }

        TensorMath.AccumulateColumnSums(outputGradient.Span, input.Rows, Bias.Gradient);
        return null;
    }
}
