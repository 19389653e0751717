using System.Globalization;
using System.Numerics;
using Nabla.Initializers;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Inverted dropout: in training, each value is kept with probability 1 − rate and scaled by 1/(1 − rate), else
/// zeroed, so inference is the identity. Backward: dX = dY ⊙ mask (the same mask, scale included).
/// </summary>
/// <remarks>
/// The mask is a counter-based hash of (seed, training step, position): reproducible from the seed, identical when a
/// run is resumed from a checkpoint, and computed with vector integer arithmetic (no sequential generator).
/// Srivastava et al. (2014), "Dropout: A Simple Way to Prevent Neural Networks from Overfitting".
/// </remarks>
public sealed class Dropout : Layer
{
    /// <summary>The "dropout" layer kind (its seed is set by <see cref="Initialize"/>, not by users).</summary>
    public static LayerType Definition { get; } = new("dropout", "inverted dropout of a fraction of the values in training",
        [new("rate", ParameterKind.Float, Minimum: 0, Maximum: 1), new("seed", ParameterKind.Seed, "0")],
        a => new Dropout(a.Float("rate")) { Seed = a.Seed("seed") });

    private static readonly Vector<uint> s_laneOffsets = new(Enumerable.Range(0, Vector<uint>.Count).Select(v => (uint)v).ToArray());
    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _mask = new();
    private readonly BatchBuffer _inputGradient = new();
    private Tensor? _lastMask;
    private bool _lastWasTraining;

    /// <summary>Creates the layer; <paramref name="rate"/> is the fraction dropped, in [0, 1).</summary>
    public Dropout(float rate)
    {
        if (!(rate >= 0f && rate < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), $"The dropout rate must be in [0, 1), got {rate}.");
        }

        Rate = rate;
    }

    /// <summary>The fraction of values dropped in training.</summary>
    public float Rate { get; }

    /// <summary>The seed of the masks (set by <see cref="Initialize"/> from the model's seed).</summary>
    public ulong Seed { get; set; }

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings =>
        SettingsOf(("rate", Rate.ToString("R", CultureInfo.InvariantCulture)), ("seed", Seed.ToString(CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override void Initialize(Random random, Initializer defaultInitializer)
    {
        ArgumentNullException.ThrowIfNull(random);
        Seed = (ulong)random.NextInt64();
    }

    /// <summary>Training: y = x ⊙ mask, mask ∈ {0, 1/(1−rate)}; inference: y = x.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        _lastWasTraining = context.Training && Rate > 0f;
        if (!_lastWasTraining)
        {
            return input;
        }

        Tensor mask = _mask.Like(input);
        FillMask(mask.Span, StepKey(Seed, context.Step), Rate);
        Tensor output = _output.Like(input);
        System.Numerics.Tensors.TensorPrimitives.Multiply(input.Span, mask.Span, output.Span);
        _lastMask = mask;
        return output;
    }

    /// <summary>dX = dY ⊙ mask (identity when the forward pass was in inference mode).</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!needInputGradient || !_lastWasTraining)
        {
            return needInputGradient ? outputGradient : null;
        }

        Tensor mask = _lastMask!;
        if (outputGradient.Length != mask.Length)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced {mask.Shape} but got a gradient of shape {outputGradient.Shape}.");
        }

        Tensor inputGradient = _inputGradient.Like(mask);
        System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.Span, mask.Span, inputGradient.Span);
        return inputGradient;
    }

    /// <summary>SplitMix64 of (seed, step): a 32-bit key per step.</summary>
    internal static uint StepKey(ulong seed, long step)
    {
        ulong z = seed + (ulong)step * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(z ^ (z >> 31));
    }

    /// <summary>mask[i] = hash(key + i) ≥ rate·2³² ? 1/(1−rate) : 0, with Wellons's "lowbias32" integer hash.</summary>
    internal static void FillMask(Span<float> mask, uint key, float rate)
    {
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(rate * 4294967296.0));
        float scale = 1f / (1f - rate);
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<uint>.Count == Vector<float>.Count)
        {
            Vector<uint> offsets = s_laneOffsets;
            var vThreshold = new Vector<uint>(threshold);
            var vScale = new Vector<float>(scale);
            for (; i <= mask.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                Vector<uint> x = new Vector<uint>(key + (uint)i) + offsets;
                x ^= x >> 16;
                x *= 0x7feb352dU;
                x ^= x >> 15;
                x *= 0x846ca68bU;
                x ^= x >> 16;
                Vector<float> kept = Vector.ConditionalSelect(Vector.AsVectorSingle(Vector.GreaterThanOrEqual(x, vThreshold)), vScale, Vector<float>.Zero);
                kept.CopyTo(mask[i..]);
            }
        }

        for (; i < mask.Length; i++)
        {
            uint x = key + (uint)i;
            x ^= x >> 16;
            x *= 0x7feb352dU;
            x ^= x >> 15;
            x *= 0x846ca68bU;
            x ^= x >> 16;
            mask[i] = x >= threshold ? scale : 0f;
        }
    }
}
