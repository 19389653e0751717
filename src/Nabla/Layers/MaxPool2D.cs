using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Layers;

/// <summary>
/// Max pooling, as PyTorch's <c>nn.MaxPool2d</c>: each output is the largest value of its window of one channel,
/// y[c, oy, ox] = max_{ky,kx} x[c, oy·SH + ky, ox·SW + kx]. The position of that maximum is kept, and backward sends
/// the whole gradient there: dX = 0 except dX[argmax] += dY (the other inputs did not change the output).
/// </summary>
/// <remarks>2×2 windows with stride 2 (the usual ones) take a vector path (<see cref="Pooling"/>); the batch is split
/// over the worker threads by sample.</remarks>
public sealed class MaxPool2D : Pool2D
{
    /// <summary>The "maxpool2d" layer kind: <c>maxpool2d(size=2, stride=size)</c>.</summary>
    public static LayerType Definition { get; } = new("maxpool2d", "max pooling over size×size windows of each channel (stride 0: the size)", PoolParameters,
        a => new MaxPool2D(a.Pair("size"), a.Pair("stride")))
    {
        Aliases = ["maxpool", "max-pool", "maxpooling2d"],
    };

    private readonly Pass _pass;
    private int[] _argmax = [];

    /// <summary>Creates the layer with square windows of <paramref name="size"/>, moved by <paramref name="stride"/>
    /// (0: the size).</summary>
    public MaxPool2D(int size = 2, int stride = 0)
        : this((size, size), (stride, stride))
    {
    }

    /// <summary>Creates the layer with windows of <paramref name="size"/> (height, width).</summary>
    public MaxPool2D((int Height, int Width) size, (int Height, int Width) stride)
        : base(size, stride) => _pass = new Pass(this);

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <summary>y = the window maxima; their positions are kept for backward.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        Tensor output = OutputFor(input);
        if (_argmax.Length < output.Length)
        {
            _argmax = new int[output.Length];
        }

        _pass.Run(input, output, null);
        return output;
    }

    /// <summary>dX[argmax] += dY, zero elsewhere.</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor? inputGradient = InputGradientFor(outputGradient, needInputGradient);
        if (inputGradient is not null)
        {
            _pass.Run(inputGradient, outputGradient, inputGradient);
        }

        return inputGradient;
    }

    private sealed class Pass(MaxPool2D layer) : SampleRangeWork
    {
        private Tensor? _input, _output, _inputGradient;

        /// <summary>Forward (x → y) or, with <paramref name="inputGradient"/>, backward (dy in <paramref name="y"/>).</summary>
        public void Run(Tensor x, Tensor y, Tensor? inputGradient)
        {
            (_input, _output, _inputGradient) = (x, y, inputGradient);
            RunSamples(x.Rows);
            (_input, _output, _inputGradient) = (null, null, null);
        }

        protected override void Process(int start, int end)
        {
            ref readonly ConvolutionGeometry g = ref layer.Geometry;
            int inputSize = g.InputSize, outputSize = g.Channels * g.OutputPixels;
            for (int s = start; s < end; s++)
            {
                Span<int> argmax = layer._argmax.AsSpan(s * outputSize, outputSize);
                Span<float> y = _output!.Span.Slice(s * outputSize, outputSize);
                if (_inputGradient is null)
                {
                    Pooling.MaxForward(g, _input!.Span.Slice(s * inputSize, inputSize), y, argmax);
                }
                else if (Pooling.IsVectorized(g))
                {
                    Pooling.MaxBackward2x2(g, y, [], argmax, _inputGradient.Span.Slice(s * inputSize, inputSize));
                }
                else
                {
                    Pooling.MaxBackward(y, argmax, _inputGradient.Span.Slice(s * inputSize, inputSize));
                }
            }
        }
    }
}
