using System.Globalization;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Batch normalization over features (the outputs of a dense layer, [batch, features]) or over the channels of images
/// ([batch, C, H, W], as PyTorch's <c>BatchNorm2d</c>: one γ, β and pair of statistics per channel, taken over the
/// batch, height and width). In training, x̂ = (x − μ_B)/√(σ²_B + ε) with the batch's mean and (biased) variance per
/// feature or channel, y = γ·x̂ + β, and the running statistics move toward the batch's:
/// r ← (1 − momentum)·r + momentum·batch (the running variance uses the unbiased batch variance, as PyTorch does). In
/// inference the running statistics replace the batch's.
/// </summary>
/// <remarks>
/// Backward (Ioffe and Szegedy, 2015, with the terms collected): dγ += Σ dY·x̂, dβ += Σ dY,
/// dX = (γ/σ)·(dY − mean(dY) − x̂·mean(dY·x̂)), all sums and means over the batch (and the pixels), per feature or
/// channel. On images the channels are split over the worker threads (each channel's sums are taken by one thread in
/// a fixed order, so the result does not depend on the thread count).
/// </remarks>
public sealed partial class BatchNorm : Layer
{
    /// <summary>The "batch-norm" layer kind.</summary>
    public static LayerType Definition { get; } = new("batch-norm", "batch normalization over features, or over the channels of images",
        [new("momentum", ParameterKind.Float, "0.1", Minimum: 1e-12, Maximum: 1.0000001), new("epsilon", ParameterKind.Float, "1E-05", Minimum: 1e-30)],
        a => new BatchNorm(a.Float("momentum"), a.Float("epsilon")))
    {
        Aliases = ["batchnorm", "bn"],
    };

    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _normalized = new();
    private readonly BatchBuffer _inputGradient = new();
    private Parameter? _scale, _shift, _runningMean, _runningVariance;
    private float[] _mean = [], _inverseDeviation = [], _sumGradient = [], _sumGradientNormalized = [];
    private Tensor? _lastNormalized;
    private Parameter[] _parameters = [], _buffers = [];
    private int _features;
    private int _pixels = 1;

    /// <summary>Creates the layer. <paramref name="momentum"/> weights the newest batch in the running statistics.</summary>
    public BatchNorm(float momentum = 0.1f, float epsilon = 1e-5f)
    {
        if (!(momentum > 0f && momentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), $"Batch norm momentum must be in (0, 1], got {momentum}.");
        }

        if (!(epsilon > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), $"Batch norm epsilon must be positive, got {epsilon}.");
        }

        (Momentum, Epsilon) = (momentum, epsilon);
    }

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>γ, [features], starts at 1.</summary>
    public Parameter Scale => _scale ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <summary>β, [features], starts at 0.</summary>
    public Parameter Shift => _shift ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <summary>Running mean used in inference.</summary>
    public Parameter RunningMean => _runningMean ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <summary>Running variance used in inference.</summary>
    public Parameter RunningVariance => _runningVariance ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <inheritdoc/>
    public override bool MixesBatch => true;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Buffers => _buffers;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings =>
        SettingsOf(("momentum", Momentum.ToString("R", CultureInfo.InvariantCulture)), ("epsilon", Epsilon.ToString("R", CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank is not (1 or 3))
        {
            throw new ShapeMismatchException($"Layer {Describe()} normalizes flat features [batch, features] or images [batch, channels, height, width] but got [batch, {string.Join(", ", inputShape.ToArray())}].");
        }

        _features = inputShape[0];
        _pixels = inputShape.Rank == 3 ? inputShape[1] * inputShape[2] : 1;
        var shape = new Shape(_features);
        _scale = new Parameter("weight", shape, isWeight: false);
        _shift = new Parameter("bias", shape, isWeight: false);
        _runningMean = new Parameter("running_mean", shape, isWeight: false);
        _runningVariance = new Parameter("running_var", shape, isWeight: false);
        (_parameters, _buffers) = ([_scale, _shift], [_runningMean, _runningVariance]);
        _mean = new float[_features];
        _inverseDeviation = new float[_features];
        _sumGradient = new float[_features];
        _sumGradientNormalized = new float[_features];
        Initialize(new Random(0), Initializer.Default);
        return inputShape;
    }

    /// <inheritdoc/>
    public override void Initialize(Random random, Initializer defaultInitializer)
    {
        Array.Fill(Scale.Value, 1f);
        Array.Clear(Shift.Value);
        Array.Clear(RunningMean.Value);
        Array.Fill(RunningVariance.Value, 1f);
    }

    /// <summary>y = γ·(x − μ)/√(σ² + ε) + β, with batch statistics in training and running ones in inference.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        bool training = context.Training;
        CheckInput(input);
        if (InputShape.Rank == 3)
        {
            return ForwardImages(input, training);
        }

        int rows = input.Rows, f = _features;
        ReadOnlySpan<float> x = input.Span;
        Tensor output = _output.Get(rows, f);
        Tensor normalized = _normalized.Get(rows, f);
        if (training)
        {
            if (rows < 2)
            {
                throw new ShapeMismatchException($"Layer {Describe()} needs at least 2 samples per batch in training, got {input.Shape}.");
            }

            // μ = mean over the batch; σ² = mean of (x − μ)² (two passes: stable)
            Array.Clear(_mean);
            TensorMath.AccumulateColumnSums(x, rows, _mean);
            TensorPrimitives.Multiply(_mean, 1f / rows, _mean);
            Span<float> variance = _inverseDeviation;
            variance.Clear();
            for (int i = 0; i < rows; i++)
            {
                Span<float> centered = normalized.Span.Slice(i * f, f);
                TensorPrimitives.Subtract(x.Slice(i * f, f), _mean, centered);
                TensorPrimitives.MultiplyAdd(centered, centered, variance, variance);
            }

            TensorPrimitives.Multiply(variance, 1f / rows, variance);
            float unbiased = (float)rows / (rows - 1);
            for (int j = 0; j < f; j++)
            {
                RunningMean.Value[j] = (1 - Momentum) * RunningMean.Value[j] + Momentum * _mean[j];
                RunningVariance.Value[j] = (1 - Momentum) * RunningVariance.Value[j] + Momentum * variance[j] * unbiased;
                _inverseDeviation[j] = 1f / MathF.Sqrt(variance[j] + Epsilon);
            }

            for (int i = 0; i < rows; i++)
            {
                Span<float> row = normalized.Span.Slice(i * f, f);
                TensorPrimitives.Multiply(row, _inverseDeviation, row);
                TensorPrimitives.FusedMultiplyAdd(row, Scale.Value, Shift.Value, output.Span.Slice(i * f, f));
            }

            _lastNormalized = normalized;
        }
        else
        {
            for (int j = 0; j < f; j++)
            {
                _inverseDeviation[j] = 1f / MathF.Sqrt(RunningVariance.Value[j] + Epsilon);
            }

            for (int i = 0; i < rows; i++)
            {
                Span<float> row = normalized.Span.Slice(i * f, f);
                TensorPrimitives.Subtract(x.Slice(i * f, f), RunningMean.Value, row);
                TensorPrimitives.Multiply(row, _inverseDeviation, row);
                TensorPrimitives.FusedMultiplyAdd(row, Scale.Value, Shift.Value, output.Span.Slice(i * f, f));
            }

            _lastNormalized = null;
        }

        return output;
    }

    /// <summary>dγ += Σ dY·x̂, dβ += Σ dY, dX = (γ/σ)·(dY − mean(dY) − x̂·mean(dY·x̂)).</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Tensor normalized = _lastNormalized ?? throw new InvalidOperationException($"Layer {Describe()}: Backward needs a Forward in training mode first.");
        if (InputShape.Rank == 3)
        {
            return BackwardImages(outputGradient, normalized, needInputGradient);
        }

        int rows = normalized.Rows, f = _features;
        if (outputGradient.Rows != rows || outputGradient.RowLength != f)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced {normalized.Shape} but got a gradient of shape {outputGradient.Shape}.");
        }

        ReadOnlySpan<float> dY = outputGradient.Span, xHat = normalized.Span;
        Array.Clear(_sumGradient);
        Array.Clear(_sumGradientNormalized);
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> g = dY.Slice(i * f, f);
            TensorPrimitives.Add(_sumGradient, g, _sumGradient);
            TensorPrimitives.MultiplyAdd(g, xHat.Slice(i * f, f), _sumGradientNormalized, _sumGradientNormalized);
        }

        TensorPrimitives.Add(Shift.Gradient, _sumGradient, Shift.Gradient);
        TensorPrimitives.Add(Scale.Gradient, _sumGradientNormalized, Scale.Gradient);
        if (!needInputGradient)
        {
            return null;
        }

        // Reuse the sums as per-feature coefficients: mean(dY), −mean(dY·x̂), and γ/σ.
        TensorPrimitives.Multiply(_sumGradient, 1f / rows, _sumGradient);
        TensorPrimitives.Multiply(_sumGradientNormalized, -1f / rows, _sumGradientNormalized);
        Span<float> gain = _mean;
        TensorPrimitives.Multiply(Scale.Value, _inverseDeviation, gain);
        Tensor inputGradient = _inputGradient.Get(rows, f);
        for (int i = 0; i < rows; i++)
        {
            Span<float> dx = inputGradient.Span.Slice(i * f, f);
            // dx = dY − mean(dY) − x̂·mean(dY·x̂), then ·γ/σ
            TensorPrimitives.Subtract(dY.Slice(i * f, f), _sumGradient, dx);
            TensorPrimitives.MultiplyAdd(xHat.Slice(i * f, f), _sumGradientNormalized, dx, dx);
            TensorPrimitives.Multiply(dx, gain, dx);
        }

        return inputGradient;
    }
}
