using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Fully connected layer, <c>Y = X·W + b</c>.
/// </summary>
/// <remarks>
/// Shapes: X is [batch, in], W is [in, out] (scikit-learn's <c>coefs_</c> layout, so the forward pass needs no
/// transpose; PyTorch's <c>nn.Linear</c> stores Wᵀ), b is [out], Y is [batch, out]. On an input of higher rank
/// [batch, …, in] the layer acts on the last dimension, as Keras's Dense does: the leading dimensions are rows
/// (a sequence [batch, time, features] gets the same weights at every time step).
/// </remarks>
public sealed class Dense : Layer, IByteRowsInput
{
    /// <summary>The "dense" layer kind.</summary>
    public static LayerType Definition { get; } = new("dense", "fully connected, Y = X·W + b (on the last dimension)",
        [new("units", ParameterKind.Int, Minimum: 1), new("initializer", ParameterKind.Choice, "default", Initialization.Names)],
        a => new Dense(a.Int("units"), Initialization.Parse(a.Choice("initializer"))));

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

    /// <summary>How the weights start; <see cref="Initializer.Default"/> follows the layer after this one
    /// (see <see cref="Layer.InitializerForPrecedingLayer"/>).</summary>
    public Initializer Initializer { get; }

    /// <summary>W, [in, out].</summary>
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <summary>b, [out].</summary>
    public Parameter Bias => _bias ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings =>
        SettingsOf(("units", Units.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("initializer", Initialization.NameOf(Initializer)));

    /// <summary>Whether the first-layer byte path applies (a flat input, few outputs, an AVX-512 CPU).</summary>
    bool IByteRowsInput.AcceptsByteRows => InputShape.Rank == 1 && ByteRowProducts.Supports(Units);

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank == 0)
        {
            throw new ShapeMismatchException($"Layer {Describe()} needs inputs with a feature dimension, got a scalar per sample.");
        }

        int fanIn = inputShape.Last;
        if (_weight is null || _weight.Shape[0] != fanIn)
        {
            _weight = new Parameter("weight", new Shape(fanIn, Units), isWeight: true);
            _bias = new Parameter("bias", new Shape(Units), isWeight: false);
            _parameters = [_weight, _bias];
        }

        int[] output = inputShape.ToArray();
        output[^1] = Units;
        return new Shape(output);
    }

    /// <inheritdoc/>
    public override void Initialize(Random random, Initializer defaultInitializer)
    {
        Initialization.Fill(Initializer == Initializer.Default ? defaultInitializer : Initializer, Weight.Shape[0], Units, Weight.Value, Bias.Value, random);
    }

    /// <summary>Y = X·W + b: X viewed as [rows, in] (rows = batch × the leading dimensions), one GEMM.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        _input = input;
        _byteInput = null;
        int rows = input.Length / Weight.Shape[0];
        Tensor output = _output.Get(input.Rows, OutputShape);
        Gemm.Multiply(input.Span, false, Weight.Value, false, output.Span, rows, Weight.Shape[0], Units);
        TensorMath.AddRowVector(Bias.Value, rows, output.Span);
        return output;
    }

    /// <summary>Y = X·W + b with X the scaled bytes of a compact dataset's batch, read in place (as the first layer).</summary>
    Tensor IByteRowsInput.ForwardBytes(ByteRows input)
    {
        if (input.Width != Weight.Shape[0])
        {
            throw new ShapeMismatchException($"Layer {Describe()} expects input of shape [batch, {Weight.Shape[0]}] but got [{input.Rows}, {input.Width}].");
        }

        _input = null;
        _byteInput = input;
        Tensor output = _output.Get(input.Rows, OutputShape);
        ByteRowProducts.Multiply(input, Weight.Value, Units, output.Span);
        TensorMath.AddRowVector(Bias.Value, input.Rows, output.Span);
        return output;
    }

    /// <summary>dW += Xᵀ·dY, db += Σ_rows dY, dX = dY·Wᵀ.</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        int fanIn = Weight.Shape[0];
        int rows = outputGradient.Length / Units;
        if (outputGradient.RowLength != OutputShape.Count || rows * Units != outputGradient.Length)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced [batch, {string.Join(", ", OutputShape.ToArray())}] but got a gradient of shape {outputGradient.Shape}.");
        }

        if (_byteInput is { } bytes)
        {
            if (needInputGradient)
            {
                throw new InvalidOperationException($"Layer {Describe()} read its input as bytes and has no input gradient: it must be the first layer.");
            }

            // in the forward pass this was Y = (X·scale)·W + b with X bytes: dW += (X·scale)ᵀ·dY from the bytes
            ByteRowProducts.MultiplyTransposedAdd(bytes, outputGradient.Span, Units, Weight.Gradient);
            TensorMath.AccumulateColumnSums(outputGradient.Span, rows, Bias.Gradient);
            return null;
        }

        Tensor input = _input ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        if (input.Rows != outputGradient.Rows)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced {input.Rows} rows but got a gradient of shape {outputGradient.Shape}.");
        }

        // in the forward pass this was Y = X·W + b, so dW = Xᵀ·dY (accumulated: beta = 1) and db = Σᵢ dY[i, ·]
        Gemm.Multiply(input.Span, true, outputGradient.Span, false, Weight.Gradient, fanIn, rows, Units, 1f, 1f);
        TensorMath.AccumulateColumnSums(outputGradient.Span, rows, Bias.Gradient);
        if (!needInputGradient)
        {
            return null;
        }

        // and dX = dY·Wᵀ
        Tensor inputGradient = _inputGradient.Get(input.Rows, InputShape);
        Gemm.Multiply(outputGradient.Span, false, Weight.Value, true, inputGradient.Span, rows, Units, fanIn);
        return inputGradient;
    }
}
