using System.Globalization;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Layers;

/// <summary>
/// 2-D convolution over channels-first images, as PyTorch's <c>nn.Conv2d</c> (a cross-correlation: the kernel is not
/// flipped).
/// </summary>
/// <remarks>
/// <para>Shapes: X is [batch, C, H, W]; the weights W are [F, C, KH, KW] (PyTorch's layout), the bias b is [F]; Y is
/// [batch, F, Hout, Wout], with Hout = ⌊(H + padding − KH) / SH⌋ + 1 (see <see cref="Padding"/>). With xpad the
/// zero-padded input, for every sample:</para>
/// <code>
/// forward:   Y[f, oy, ox]  = b[f] + Σ_{c,ky,kx} W[f, c, ky, kx] · xpad[c, oy·SH + ky, ox·SW + kx]
/// backward:  dW[f, c, ky, kx] += Σ_{oy,ox} dY[f, oy, ox] · xpad[c, oy·SH + ky, ox·SW + kx]
///            db[f]            += Σ_{oy,ox} dY[f, oy, ox]
///            dxpad[c, oy·SH + ky, ox·SW + kx] += Σ_f W[f, c, ky, kx] · dY[f, oy, ox]   (then dX = its interior)
/// </code>
/// <para>Computed as matrix products (<see cref="Im2Col"/>): with col [K, P] the sample lowered to one column per
/// output pixel (K = C·KH·KW, P = Hout·Wout), the forward pass is Y = W·col (+ b), and backward dW += dY·colᵀ and
/// dX = col2im(Wᵀ·dY), on the library's GEMM. A one-channel input (a first layer on grey images) is convolved
/// directly instead (<see cref="DirectConvolution"/>). The samples of a batch are split over the worker threads in
/// fixed slices (<see cref="BatchSlices"/>), each slice accumulating its own weight gradient; the slices' gradients
/// are added in order, so the result does not depend on the number of threads.</para>
/// </remarks>
public sealed partial class Conv2D : Layer
{
    /// <summary>The "conv2d" layer kind: <c>conv2d(filters, kernel, stride=1, padding=valid, bias=true)</c>.</summary>
    public static LayerType Definition { get; } = new("conv2d", "2-D convolution of [channels, height, width] images",
        [
            new("filters", ParameterKind.Int, Minimum: 1),
            new("kernel", ParameterKind.Pair, Minimum: 1),
            new("stride", ParameterKind.Pair, "1,1", Minimum: 1),
            new("padding", ParameterKind.Choice, "valid", ["valid", "same"]),
            new("bias", ParameterKind.Bool, "true"),
            new("initializer", ParameterKind.Choice, "default", Initialization.Names),
        ],
        a => new Conv2D(a.Int("filters"), a.Pair("kernel"), a.Pair("stride"), a.Choice("padding") == "same" ? Padding.Same : Padding.Valid,
            a.Bool("bias"), Initialization.Parse(a.Choice("initializer"))))
    {
        Aliases = ["conv", "convolution2d"],
    };

    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private readonly Pass _pass;
    private Parameter? _weight;
    private Parameter? _bias;
    private Parameter[] _parameters = [];
    private ConvolutionGeometry _geometry;
    private bool _direct;
    private Tensor? _input;
    private Tensor? _lastOutput;
    private Scratch?[] _scratch = [];
    private float[]?[] _weightPartials = [];

    /// <summary>Creates a layer of <paramref name="filters"/> square <paramref name="kernel"/>×<paramref name="kernel"/>
    /// filters; the input channels come from the model.</summary>
    public Conv2D(int filters, int kernel, int stride = 1, Padding padding = Padding.Valid, bool bias = true, Initializer initializer = Initializer.Default)
        : this(filters, (kernel, kernel), (stride, stride), padding, bias, initializer)
    {
    }

    /// <summary>Creates a layer of <paramref name="filters"/> filters of <paramref name="kernel"/> (height, width),
    /// moved by <paramref name="stride"/> (height, width).</summary>
    public Conv2D(int filters, (int Height, int Width) kernel, (int Height, int Width) stride, Padding padding = Padding.Valid, bool bias = true, Initializer initializer = Initializer.Default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(kernel.Height, kernel.Width), 1, nameof(kernel));
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(stride.Height, stride.Width), 1, nameof(stride));
        (Filters, KernelSize, Stride, Padding, UseBias, Initializer) = (filters, kernel, stride, padding, bias, initializer);
        _pass = new Pass(this);
    }

    /// <summary>F, the number of filters (output channels).</summary>
    public int Filters { get; }

    /// <summary>(KH, KW).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>(SH, SW).</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Valid (none) or same.</summary>
    public Padding Padding { get; }

    /// <summary>Whether the layer adds a bias per filter.</summary>
    public bool UseBias { get; }

    /// <summary>How the weights start; <see cref="Initializer.Default"/> follows the layer after this one (He before
    /// ReLU), with fan-in C·KH·KW and fan-out F·KH·KW.</summary>
    public Initializer Initializer { get; }

    /// <summary>W, [F, C, KH, KW].</summary>
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <summary>b, [F]; null when <see cref="UseBias"/> is false.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf(
        ("filters", Filters.ToString(CultureInfo.InvariantCulture)),
        ("kernel", string.Create(CultureInfo.InvariantCulture, $"{KernelSize.Height},{KernelSize.Width}")),
        ("stride", string.Create(CultureInfo.InvariantCulture, $"{Stride.Height},{Stride.Width}")),
        ("padding", Padding == Padding.Same ? "same" : "valid"),
        ("bias", UseBias ? "true" : "false"),
        ("initializer", Initialization.NameOf(Initializer)));

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3)
        {
            throw new ShapeMismatchException($"Layer {Describe()} takes images [batch, channels, height, width] but got [batch, {string.Join(", ", inputShape.ToArray())}]"
                + (inputShape.Rank == 1 ? " (flat features: add reshape(1, 28, 28) for 28×28 grey images)." : "."));
        }

        int channels = inputShape[0], height = inputShape[1], width = inputShape[2];
        if (Padding == Padding.Valid && (height < KernelSize.Height || width < KernelSize.Width))
        {
            throw new ShapeMismatchException($"Layer {Describe()}: its {KernelSize.Height}×{KernelSize.Width} kernel does not fit in a {height}×{width} input with padding=valid (use padding=same, or a smaller kernel).");
        }

        _geometry = ConvolutionGeometry.Create(channels, height, width, KernelSize, Stride, Padding == Padding.Same);
        _direct = DirectConvolution.Takes(_geometry);
        var weightShape = new Shape(Filters, channels, KernelSize.Height, KernelSize.Width);
        if (_weight is null || !_weight.Shape.Equals(weightShape))
        {
            _weight = new Parameter("weight", weightShape, isWeight: true);
            _bias = UseBias ? new Parameter("bias", new Shape(Filters), isWeight: false) : null;
            _parameters = _bias is null ? [_weight] : [_weight, _bias];
        }

        _scratch = new Scratch?[ParallelWorkers.Shared.ThreadCount];
        _weightPartials = new float[]?[BatchSlices.Count(int.MaxValue, PartialSize)];
        return new Shape(Filters, _geometry.OutputHeight, _geometry.OutputWidth);
    }

    /// <inheritdoc/>
    public override void Initialize(Random random, Initializer defaultInitializer)
    {
        int taps = KernelSize.Height * KernelSize.Width;
        Initialization.Fill(Initializer == Initializer.Default ? defaultInitializer : Initializer, _geometry.ColumnRows, Filters * taps,
            Weight.Value, _bias is null ? [] : _bias.Value, random);
    }

    /// <summary>Y = W ⋆ X + b, sample by sample (see the class remarks).</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        _input = input;
        Tensor output = _output.Get(input.Rows, OutputShape);
        _pass.Run(Mode.Forward, input, output, null, null);
        _lastOutput = output;
        return output;
    }

    /// <summary>dW += Σ dY ⋆ X, db += Σ dY, dX = the transposed convolution of dY with W (see the class remarks).</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor input = _input ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        CheckOutputGradient(outputGradient, _lastOutput!);
        Tensor? inputGradient = needInputGradient ? _inputGradient.Get(input.Rows, InputShape) : null;
        _pass.Run(Mode.Backward, input, null, outputGradient, inputGradient);
        return inputGradient;
    }

    /// <summary>Values of one slice's partial gradient: dW then db.</summary>
    private int PartialSize => Filters * _geometry.ColumnRows + Filters;

    /// <summary>Forward for one sample: x [C, H, W] → y [F, Hout, Wout].</summary>
    private void ForwardSample(ReadOnlySpan<float> x, Span<float> y, Scratch scratch)
    {
        ref readonly ConvolutionGeometry g = ref _geometry;
        ReadOnlySpan<float> bias = _bias is null ? [] : _bias.Value;
        ReadOnlySpan<float> padded = scratch.Padded(g, x, _direct);
        if (_direct)
        {
            DirectConvolution.Forward(g, padded, Weight.Value, bias, Filters, y);
            return;
        }

        // Y[F, P] = W[F, K]·col[K, P], then + b[f] on every pixel of channel f
        Span<float> col = scratch.Columns(g);
        Im2Col.Lower(g, padded, col);
        int k = g.ColumnRows, p = g.OutputPixels;
        Gemm.Multiply(Weight.Value, false, col, false, y, Filters, k, p);
        for (int f = 0; f < bias.Length; f++)
        {
            Span<float> channel = y.Slice(f * p, p);
            TensorPrimitives.Add(channel, bias[f], channel);
        }
    }

    /// <summary>Backward for one sample: adds its dW and db to <paramref name="partial"/> (dW then db), and writes dx
    /// unless it is empty.</summary>
    private void BackwardSample(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, Span<float> partial, Scratch scratch)
    {
        ref readonly ConvolutionGeometry g = ref _geometry;
        int k = g.ColumnRows, p = g.OutputPixels;
        Span<float> dWeights = partial[..(Filters * k)];
        Span<float> dBias = _bias is null ? [] : partial.Slice(Filters * k, Filters);
        ReadOnlySpan<float> padded = scratch.Padded(g, x, _direct);
        if (_direct)
        {
            DirectConvolution.AccumulateWeightGradient(g, padded, dy, Filters, dWeights, dBias);
        }
        else
        {
            // in the forward pass this was Y = W·col + b, so dW += dY·colᵀ and db[f] += Σ_p dY[f, p]
            Span<float> col = scratch.Columns(g);
            Im2Col.Lower(g, padded, col);
            Gemm.Multiply(dy, false, col, true, dWeights, Filters, p, k, 1f, 1f);
            for (int f = 0; f < dBias.Length; f++)
            {
                dBias[f] += TensorPrimitives.Sum(dy.Slice(f * p, p));
            }
        }

        if (dx.IsEmpty)
        {
            return;
        }

        // and dcol = Wᵀ·dY, which col2im adds back to the input positions each column came from
        Span<float> dcol = scratch.ColumnGradient(g);
        Gemm.Multiply(Weight.Value, true, dy, false, dcol, k, Filters, p);
        Span<float> dPadded = scratch.PaddedGradient(g);
        dPadded.Clear();
        Im2Col.AddColumns(g, dcol, dPadded);
        if (g.IsPadded)
        {
            Im2Col.Unpad(g, dPadded, dx);
        }
        else
        {
            dPadded[..dx.Length].CopyTo(dx);
        }
    }

    /// <summary>One thread's buffers for one sample at a time, made on first use (the geometry is fixed).</summary>
    private sealed class Scratch
    {
        private float[]? _padded, _columns, _columnGradient, _paddedGradient, _output, _outputGradient;

        /// <summary>The sample with its zero border (plus slack for vector loads), or the sample itself when it needs
        /// no border and the direct path (which reads past rows) is not used.</summary>
        public ReadOnlySpan<float> Padded(in ConvolutionGeometry g, ReadOnlySpan<float> x, bool direct)
        {
            if (!g.IsPadded && !direct)
            {
                return x;
            }

            // the border (and slack) is zeroed once, here, and never written
            _padded ??= new float[g.PaddedSize + DirectConvolution.Slack];
            if (g.IsPadded)
            {
                Im2Col.Pad(g, x, _padded);
            }
            else
            {
                x.CopyTo(_padded);
            }

            return _padded;
        }

        public Span<float> Columns(in ConvolutionGeometry g) => _columns ??= new float[g.ColumnRows * g.OutputPixels + Im2Col.Slack];

        /// <summary>One sample's convolution output (or its gradient), when a fused block keeps it out of the batch.</summary>
        public Span<float> Output(int size) => _output ??= new float[size];

        public Span<float> OutputGradient(int size) => _outputGradient ??= new float[size];

        public Span<float> ColumnGradient(in ConvolutionGeometry g) => _columnGradient ??= new float[g.ColumnRows * g.OutputPixels];

        /// <summary>The gradient of the padded sample, this thread's own (col2im adds whole vectors past row ends).</summary>
        public Span<float> PaddedGradient(in ConvolutionGeometry g) => _paddedGradient ??= new float[g.PaddedSize + Im2Col.Slack];
    }

    /// <summary>What a <see cref="Pass"/> computes for each sample.</summary>
    private enum Mode
    {
        Forward,
        Backward,
        FusedForward,
        FusedBackward,
    }

    /// <summary>A forward or backward pass over a batch, run on the worker threads slice by slice: each thread takes
    /// the next slice not yet taken (so a thread the system holds back does not hold up the others), and backward
    /// adds the slices' weight gradients in slice order at the end.</summary>
    private sealed class Pass(Conv2D layer) : IParallelWork
    {
        private Tensor? _input, _output, _outputGradient, _inputGradient;
        private Mode _mode;
        private int _slices, _nextSlice;

        /// <summary>Runs <paramref name="mode"/> over the batch (the output is given forward, the gradients backward).</summary>
        public void Run(Mode mode, Tensor input, Tensor? output, Tensor? outputGradient, Tensor? inputGradient)
        {
            (_mode, _input, _output, _outputGradient, _inputGradient) = (mode, input, output, outputGradient, inputGradient);
            _slices = BatchSlices.Count(input.Rows, layer.PartialSize);
            _nextSlice = 0;
            ParallelWorkers.Shared.Run(this, _slices);
            if (mode is Mode.Backward or Mode.FusedBackward)
            {
                AddPartials();
            }

            (_input, _output, _outputGradient, _inputGradient) = (null, null, null, null);
        }

        public void Execute(int threadIndex, int threadCount)
        {
            Scratch scratch = layer._scratch[threadIndex] ??= new Scratch();
            Tensor input = _input!;
            int rows = input.Rows, inputSize = input.RowLength;
            for (int slice = Interlocked.Increment(ref _nextSlice) - 1; slice < _slices; slice = Interlocked.Increment(ref _nextSlice) - 1)
            {
                var (start, stop) = BatchSlices.Rows(rows, _slices, slice);
                if (_mode is Mode.Forward or Mode.FusedForward)
                {
                    Tensor output = _output!;
                    int outputSize = output.RowLength;
                    for (int s = start; s < stop; s++)
                    {
                        ReadOnlySpan<float> x = input.Span.Slice(s * inputSize, inputSize);
                        Span<float> y = output.Span.Slice(s * outputSize, outputSize);
                        if (_mode == Mode.Forward)
                        {
                            layer.ForwardSample(x, y, scratch);
                        }
                        else
                        {
                            layer.ForwardFusedSample(s, x, y, scratch);
                        }
                    }

                    continue;
                }

                Tensor dY = _outputGradient!;
                int gradientSize = dY.RowLength;
                float[] partial = layer._weightPartials[slice] ??= new float[layer.PartialSize];
                Array.Clear(partial);
                for (int s = start; s < stop; s++)
                {
                    ReadOnlySpan<float> x = input.Span.Slice(s * inputSize, inputSize);
                    ReadOnlySpan<float> dy = dY.Span.Slice(s * gradientSize, gradientSize);
                    Span<float> dx = _inputGradient is null ? [] : _inputGradient.Span.Slice(s * inputSize, inputSize);
                    if (_mode == Mode.FusedBackward)
                    {
                        dy = layer.FusedOutputGradient(s, dy, scratch);
                    }

                    layer.BackwardSample(x, dy, dx, partial, scratch);
                }
            }
        }

        /// <summary>dW += the slices' dW in slice order (and db): the same sums whatever thread made each slice.</summary>
        private void AddPartials()
        {
            float[] dW = layer.Weight.Gradient;
            float[]? dB = layer._bias?.Gradient;
            for (int slice = 0; slice < _slices; slice++)
            {
                float[] partial = layer._weightPartials[slice]!;
                TensorPrimitives.Add(dW, partial.AsSpan(0, dW.Length), dW);
                if (dB is not null)
                {
                    TensorPrimitives.Add(dB, partial.AsSpan(dW.Length, dB.Length), dB);
                }
            }
        }
    }
}
