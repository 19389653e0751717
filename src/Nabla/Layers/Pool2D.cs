using System.Globalization;
using Nabla.Initializers;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// What the window poolings share: a KH×KW window moved by SH×SW (by default the window size: non-overlapping
/// windows) over each channel of [batch, C, H, W] images, without padding: Hout = ⌊(H − KH) / SH⌋ + 1, as PyTorch's
/// and Keras's defaults (a 13×13 input pooled by 2 gives 6×6; the last row and column are dropped).
/// </summary>
public abstract class Pool2D : Layer
{
    /// <summary>The settings of a pooling kind: <c>size</c>, and <c>stride</c> (0: the size).</summary>
    protected static IReadOnlyList<LayerParameter> PoolParameters { get; } =
        [new("size", ParameterKind.Pair, "2,2", Minimum: 1), new("stride", ParameterKind.Pair, "0,0", Minimum: 0)];

    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private ConvolutionGeometry _geometry;
    private Tensor? _lastOutput;

    /// <summary>Creates the layer; a stride of 0 means the window size.</summary>
    protected Pool2D((int Height, int Width) size, (int Height, int Width) stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(size.Height, size.Width), 1, nameof(size));
        ArgumentOutOfRangeException.ThrowIfNegative(Math.Min(stride.Height, stride.Width), nameof(stride));
        Size = size;
        Stride = (stride.Height == 0 ? size.Height : stride.Height, stride.Width == 0 ? size.Width : stride.Width);
    }

    /// <summary>The window (KH, KW).</summary>
    public (int Height, int Width) Size { get; }

    /// <summary>How far the window moves (SH, SW).</summary>
    public (int Height, int Width) Stride { get; }

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf(
        ("size", string.Create(CultureInfo.InvariantCulture, $"{Size.Height},{Size.Width}")),
        ("stride", string.Create(CultureInfo.InvariantCulture, $"{Stride.Height},{Stride.Width}")));

    /// <summary>The output buffer for a checked <paramref name="input"/> batch, kept for <see cref="InputGradientFor"/>.</summary>
    protected Tensor OutputFor(Tensor input)
    {
        CheckInput(input);
        return _lastOutput = _output.Get(input.Rows, OutputShape);
    }

    /// <summary>The input-gradient buffer for <paramref name="outputGradient"/>, checked against the last output; null
    /// when the input gradient is not needed.</summary>
    protected Tensor? InputGradientFor(Tensor outputGradient, bool needInputGradient)
    {
        Tensor output = _lastOutput ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        CheckOutputGradient(outputGradient, output);
        return needInputGradient ? _inputGradient.Get(output.Rows, InputShape) : null;
    }

    /// <summary>The sizes of the pooling of one sample.</summary>
    internal ref readonly ConvolutionGeometry Geometry => ref _geometry;

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3)
        {
            throw new ShapeMismatchException($"Layer {Describe()} pools images [batch, channels, height, width] but got [batch, {string.Join(", ", inputShape.ToArray())}].");
        }

        if (inputShape[1] < Size.Height || inputShape[2] < Size.Width)
        {
            throw new ShapeMismatchException($"Layer {Describe()}: its {Size.Height}×{Size.Width} window does not fit in a {inputShape[1]}×{inputShape[2]} input.");
        }

        _geometry = ConvolutionGeometry.Create(inputShape[0], inputShape[1], inputShape[2], Size, Stride, same: false);
        return new Shape(inputShape[0], _geometry.OutputHeight, _geometry.OutputWidth);
    }
}
