using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Initializers;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Global average pooling, as Keras's <c>GlobalAveragePooling2D</c> (PyTorch: <c>AdaptiveAvgPool2d(1)</c> then
/// flatten): [batch, C, H, W] → [batch, C], y[c] = (1 / (H·W)) Σ_{i,j} x[c, i, j]. Backward spreads each gradient
/// evenly: dX[c, i, j] = dY[c] / (H·W).
/// </summary>
public sealed class GlobalAveragePool2D : Layer
{
    /// <summary>The "global-avgpool2d" layer kind.</summary>
    public static LayerType Definition { get; } = new("global-avgpool2d", "the mean of each channel: [C, H, W] → [C]", [], _ => new GlobalAveragePool2D())
    {
        Aliases = ["globalavgpool", "global-average-pool2d", "globalaveragepooling2d", "gap"],
    };

    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private Tensor? _lastOutput;

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf();

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3)
        {
            throw new ShapeMismatchException($"Layer {Describe()} pools images [batch, channels, height, width] but got [batch, {string.Join(", ", inputShape.ToArray())}].");
        }

        return new Shape(inputShape[0]);
    }

    /// <summary>y[c] = the mean of channel c.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        int planes = input.Rows * InputShape[0], pixels = InputShape[1] * InputShape[2];
        Tensor output = _output.Get(input.Rows, OutputShape);
        ReadOnlySpan<float> x = input.Span;
        Span<float> y = output.Span;
        for (int i = 0; i < planes; i++)
        {
            y[i] = TensorPrimitives.Sum(x.Slice(i * pixels, pixels)) / pixels;
        }

        _lastOutput = output;
        return output;
    }

    /// <summary>dX[c, ·, ·] = dY[c] / (H·W).</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor output = _lastOutput ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        CheckOutputGradient(outputGradient, output);
        if (!needInputGradient)
        {
            return null;
        }

        int planes = output.Length, pixels = InputShape[1] * InputShape[2];
        Tensor inputGradient = _inputGradient.Get(output.Rows, InputShape);
        ReadOnlySpan<float> dY = outputGradient.Span;
        Span<float> dX = inputGradient.Span;
        for (int i = 0; i < planes; i++)
        {
            dX.Slice(i * pixels, pixels).Fill(dY[i] / pixels);
        }

        return inputGradient;
    }
}
