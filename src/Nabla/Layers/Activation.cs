using System.Globalization;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// An element-wise (or row-wise) activation: no parameters, output shape = input shape. Each subclass is a pair of
/// kernels from <see cref="TensorMath"/>: the function, and its derivative computed from the cached forward output.
/// </summary>
public abstract class Activation : Layer
{
    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private Tensor? _lastOutput;

    /// <summary>Names accepted by <see cref="Create"/>, as the CLI lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["relu", "leaky-relu", "sigmoid", "tanh", "softmax"];

    /// <summary>Creates an activation layer from its name ("relu", "leaky-relu", "sigmoid", "tanh", "softmax").</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the supported ones.</exception>
    public static Activation Create(string name, IReadOnlyDictionary<string, string>? settings = null) =>
        name.ToLowerInvariant().Replace('_', '-') switch
        {
            "relu" => new ReLU(),
            "leaky-relu" or "leakyrelu" => new LeakyReLU(settings is not null && settings.TryGetValue("slope", out string? s)
                ? float.Parse(s, CultureInfo.InvariantCulture) : LeakyReLU.DefaultSlope),
            "sigmoid" or "logistic" => new Sigmoid(),
            "tanh" => new Tanh(),
            "softmax" => new Softmax(),
            _ => throw new ArgumentException($"The activation '{name}' is not supported. Supported activations are {string.Join(", ", Names)}."),
        };

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        Tensor output = _output.Get(input.Rows, input.RowLength);
        Apply(input.Span, input.RowLength, output.Span);
        _lastOutput = output;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor output = _lastOutput ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (outputGradient.Length != output.Length)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced {output.Shape} but got a gradient of shape {outputGradient.Shape}.");
        }

        if (!needInputGradient)
        {
            return null;
        }

        Tensor inputGradient = _inputGradient.Get(output.Rows, output.RowLength);
        Derivative(output.Span, outputGradient.Span, output.RowLength, inputGradient.Span);
        return inputGradient;
    }

    /// <summary>y = f(x).</summary>
    protected abstract void Apply(ReadOnlySpan<float> x, int columns, Span<float> y);

    /// <summary>dX from the forward output y and dY.</summary>
    protected abstract void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX);
}

/// <summary>ReLU: y = max(x, 0); dX = dY where y &gt; 0, else 0.</summary>
public sealed class ReLU : Activation
{
    /// <inheritdoc/>
    public override string Kind => "relu";

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.Relu(x, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.ReluBackward(y, dY, dX);
}

/// <summary>Leaky ReLU: y = x if x &gt; 0 else slope·x; dX = dY or slope·dY.</summary>
public sealed class LeakyReLU : Activation
{
    /// <summary>PyTorch's default negative slope.</summary>
    public const float DefaultSlope = 0.01f;

    /// <summary>Creates the layer with a negative-side slope in (0, 1).</summary>
    public LeakyReLU(float slope = DefaultSlope)
    {
        if (!(slope > 0f && slope < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(slope), "The leaky ReLU slope must be in (0, 1).");
        }

        Slope = slope;
    }

    /// <summary>The slope for negative inputs.</summary>
    public float Slope { get; }

    /// <inheritdoc/>
    public override string Kind => "leaky-relu";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["slope"] = Slope.ToString("R", CultureInfo.InvariantCulture) };

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.LeakyRelu(x, Slope, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.LeakyReluBackward(y, dY, Slope, dX);
}

/// <summary>Sigmoid: y = 1/(1+e⁻ˣ); dX = dY·y·(1−y).</summary>
public sealed class Sigmoid : Activation
{
    /// <inheritdoc/>
    public override string Kind => "sigmoid";

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.Sigmoid(x, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.SigmoidBackward(y, dY, dX);
}

/// <summary>Tanh: y = tanh(x); dX = dY·(1−y²).</summary>
public sealed class Tanh : Activation
{
    /// <inheritdoc/>
    public override string Kind => "tanh";

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.Tanh(x, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.TanhBackward(y, dY, dX);
}

/// <summary>
/// Softmax over each row: yⱼ = e^(xⱼ−max) / Σₖ e^(xₖ−max); dXⱼ = yⱼ·(dYⱼ − Σₖ dYₖ·yₖ).
/// For classification prefer a linear output with <c>SoftmaxCrossEntropy</c>, which fuses the two stably.
/// </summary>
public sealed class Softmax : Activation
{
    /// <inheritdoc/>
    public override string Kind => "softmax";

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.SoftmaxRows(x, columns, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX)
    {
        for (int start = 0; start < y.Length; start += columns)
        {
            ReadOnlySpan<float> yRow = y.Slice(start, columns);
            ReadOnlySpan<float> dYRow = dY.Slice(start, columns);
            float dot = 0f;
            for (int j = 0; j < columns; j++)
            {
                dot += yRow[j] * dYRow[j];
            }

            for (int j = 0; j < columns; j++)
            {
                dX[start + j] = yRow[j] * (dYRow[j] - dot);
            }
        }
    }
}
