using Nabla.Initializers;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// An element-wise (or, for softmax, last-dimension-wise) activation: no parameters, output shape = input shape, any
/// rank. Each subclass is a pair of kernels from <see cref="TensorMath"/>: the function, and its derivative computed
/// from the cached forward output.
/// </summary>
public abstract class Activation : Layer
{
    // Below this many values a pass runs on the calling thread (waking the others would cost more than it saves).
    private const int MinParallelValues = 1 << 16;

    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private Pass? _pass;
    private Tensor? _lastOutput;

    /// <summary>The activations a hidden layer can use, as the CLI's <c>--activation</c> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["relu", "leaky-relu", "sigmoid", "tanh", "softmax"];

    /// <summary>Creates an activation layer from its name ("relu", "leaky-relu", "sigmoid", "tanh", "softmax").</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the supported ones.</exception>
    public static Activation Create(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return LayerRegistry.Find(name) is { } type && Names.Contains(type.Name) && type.FromSettings(settings ?? new Dictionary<string, string>()) is Activation activation
            ? activation
            : throw new ArgumentException($"The activation '{name}' is not supported. Supported activations are {string.Join(", ", Names)}.");
    }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf();

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        Tensor output = _output.Like(input);
        if (input.Length < MinParallelValues)
        {
            Apply(input.Span, InputShape.Last, output.Span);
        }
        else
        {
            (_pass ??= new Pass(this)).Run(input, null, output);
        }

        _lastOutput = output;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor output = _lastOutput ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        CheckOutputGradient(outputGradient, output);
        if (!needInputGradient)
        {
            return null;
        }

        Tensor inputGradient = _inputGradient.Like(output);
        if (output.Length < MinParallelValues)
        {
            Derivative(output.Span, outputGradient.Span, InputShape.Last, inputGradient.Span);
        }
        else
        {
            (_pass ??= new Pass(this)).Run(output, outputGradient, inputGradient);
        }

        return inputGradient;
    }

    /// <summary>A large batch's pass (the activations of a convolution), its samples split over the worker threads.</summary>
    private sealed class Pass(Activation layer) : Threading.SampleRangeWork
    {
        private Tensor? _x, _dY, _target;

        /// <summary>Forward: y = f(x) into <paramref name="target"/>; backward (<paramref name="dY"/> given): dX from y
        /// (in <paramref name="x"/>) into <paramref name="target"/>.</summary>
        public void Run(Tensor x, Tensor? dY, Tensor target)
        {
            (_x, _dY, _target) = (x, dY, target);
            RunSamples(x.Rows);
            (_x, _dY, _target) = (null, null, null);
        }

        protected override void Process(int start, int end)
        {
            int size = _x!.RowLength, columns = layer.InputShape.Last;
            Span<float> x = _x.Span.Slice(start * size, (end - start) * size), target = _target!.Span.Slice(start * size, (end - start) * size);
            if (_dY is null)
            {
                layer.Apply(x, columns, target);
            }
            else
            {
                layer.Derivative(x, _dY.Span.Slice(start * size, (end - start) * size), columns, target);
            }
        }
    }

    /// <summary>y = f(x); <paramref name="columns"/> is the size of the last dimension.</summary>
    protected abstract void Apply(ReadOnlySpan<float> x, int columns, Span<float> y);

    /// <summary>dX from the forward output y and dY.</summary>
    protected abstract void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX);
}

/// <summary>ReLU: y = max(x, 0); dX = dY where y &gt; 0, else 0.</summary>
public sealed class ReLU : Activation
{
    /// <summary>The "relu" layer kind.</summary>
    public static LayerType Definition { get; } = new("relu", "rectified linear unit, max(x, 0)", [], _ => new ReLU());

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => Initializer.HeUniform;

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

    /// <summary>The "leaky-relu" layer kind.</summary>
    public static LayerType Definition { get; } = new("leaky-relu", "leaky ReLU, x or slope·x",
        [new("slope", ParameterKind.Float, "0.01", Minimum: 1e-12, Maximum: 1)], a => new LeakyReLU(a.Float("slope")))
    {
        Aliases = ["leaky_relu"],
    };

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
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => Initializer.HeUniform;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf(("slope", Slope.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.LeakyRelu(x, Slope, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.LeakyReluBackward(y, dY, Slope, dX);
}

/// <summary>Sigmoid: y = 1/(1+e⁻ˣ); dX = dY·y·(1−y).</summary>
public sealed class Sigmoid : Activation
{
    /// <summary>The "sigmoid" layer kind.</summary>
    public static LayerType Definition { get; } = new("sigmoid", "logistic, 1/(1+e⁻ˣ)", [], _ => new Sigmoid()) { Aliases = ["logistic"] };

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.Sigmoid(x, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.SigmoidBackward(y, dY, dX);
}

/// <summary>Tanh: y = tanh(x); dX = dY·(1−y²).</summary>
public sealed class Tanh : Activation
{
    /// <summary>The "tanh" layer kind.</summary>
    public static LayerType Definition { get; } = new("tanh", "hyperbolic tangent", [], _ => new Tanh());

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => TensorMath.Tanh(x, y);

    /// <inheritdoc/>
    protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => TensorMath.TanhBackward(y, dY, dX);
}

/// <summary>
/// Softmax over the last dimension: yⱼ = e^(xⱼ−max) / Σₖ e^(xₖ−max); dXⱼ = yⱼ·(dYⱼ − Σₖ dYₖ·yₖ).
/// For classification prefer a linear output with <c>SoftmaxCrossEntropy</c>, which fuses the two stably.
/// </summary>
public sealed class Softmax : Activation
{
    /// <summary>The "softmax" layer kind.</summary>
    public static LayerType Definition { get; } = new("softmax", "softmax over the last dimension", [], _ => new Softmax());

    /// <inheritdoc/>
    public override LayerType Type => Definition;

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
