using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Layers;

/// <summary>
/// Average pooling, as PyTorch's <c>nn.AvgPool2d</c>: y[c, oy, ox] = (1 / (KH·KW)) Σ_{ky,kx} x[c, oy·SH + ky, ox·SW + kx].
/// Backward shares each output's gradient equally over its window: dX[c, oy·SH + ky, ox·SW + kx] += dY[c, oy, ox] / (KH·KW).
/// </summary>
public sealed class AvgPool2D : Pool2D
{
    /// <summary>The "avgpool2d" layer kind: <c>avgpool2d(size=2, stride=size)</c>.</summary>
    public static LayerType Definition { get; } = new("avgpool2d", "average pooling over size×size windows of each channel (stride 0: the size)", PoolParameters,
        a => new AvgPool2D(a.Pair("size"), a.Pair("stride")))
    {
        Aliases = ["avgpool", "avg-pool", "averagepooling2d"],
    };

    private readonly Pass _pass;

    /// <summary>Creates the layer with square windows of <paramref name="size"/>, moved by <paramref name="stride"/>
    /// (0: the size).</summary>
    public AvgPool2D(int size = 2, int stride = 0)
        : this((size, size), (stride, stride))
    {
    }

    /// <summary>Creates the layer with windows of <paramref name="size"/> (height, width).</summary>
    public AvgPool2D((int Height, int Width) size, (int Height, int Width) stride)
        : base(size, stride) => _pass = new Pass(this);

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <summary>y = the window means.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        Tensor output = OutputFor(input);
        _pass.Run(input, output, backward: false);
        return output;
    }

    /// <summary>dX += dY/(KH·KW) over each window.</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor? inputGradient = InputGradientFor(outputGradient, needInputGradient);
        if (inputGradient is not null)
        {
            _pass.Run(inputGradient, outputGradient, backward: true);
        }

        return inputGradient;
    }

    private sealed class Pass(AvgPool2D layer) : SampleRangeWork
    {
        private Tensor? _images, _pooled;
        private bool _backward;

        /// <summary>Forward (images → pooled) or backward (pooled gradient → image gradient).</summary>
        public void Run(Tensor images, Tensor pooled, bool backward)
        {
            (_images, _pooled, _backward) = (images, pooled, backward);
            RunSamples(images.Rows);
            (_images, _pooled) = (null, null);
        }

        protected override void Process(int start, int end)
        {
            ref readonly ConvolutionGeometry g = ref layer.Geometry;
            int inputSize = g.InputSize, outputSize = g.Channels * g.OutputPixels;
            for (int s = start; s < end; s++)
            {
                Span<float> image = _images!.Span.Slice(s * inputSize, inputSize);
                Span<float> pooled = _pooled!.Span.Slice(s * outputSize, outputSize);
                if (_backward)
                {
                    Pooling.AverageBackward(g, pooled, image);
                }
                else
                {
                    Pooling.AverageForward(g, image, pooled);
                }
            }
        }
    }
}
