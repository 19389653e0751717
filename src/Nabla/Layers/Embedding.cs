using System.Globalization;
using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A lookup table from token ids to learned vectors, as PyTorch's <c>nn.Embedding</c> and Keras's <c>Embedding</c>:
/// y[…, :] = E[id, :] with E [vocabulary, dimension]. [batch, time] ids in, [batch, time, dimension] out (any input
/// shape gains a last dimension).
/// </summary>
/// <remarks>
/// <para>Ids travel as floats, as every tensor here does: each input value must be a whole number in
/// [0, vocabulary) (exact in float32 up to 2²⁴, far beyond any vocabulary); anything else is refused with the value and
/// its position. Backward scatters: ∂E[id] += ∂y for every position holding id; ids have no gradient (zeros, if a
/// layer before asks).</para>
/// <para>In <c>--arch</c> the dimension comes first, <c>embedding(32)</c>, and the vocabulary defaults to the data's
/// (<c>--task text</c>: the characters seen in training); <c>embedding(32, vocabulary=1000)</c> fixes it. Initialized as
/// PyTorch does, from N(0, 1).</para>
/// </remarks>
public sealed class Embedding : Layer
{
    /// <summary>The "embedding" layer kind.</summary>
    public static LayerType Definition { get; } = new("embedding", "token ids → learned vectors, [batch, time] → [batch, time, dimension]",
        [new("dimension", ParameterKind.Int, Minimum: 1), new("vocabulary", ParameterKind.Int, "0", Minimum: 0)],
        a => new Embedding(a.Int("vocabulary"), a.Int("dimension")));

    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private Parameter? _weight;
    private Parameter[] _parameters = [];
    private Tensor? _input;

    /// <summary>Creates a table of <paramref name="vocabulary"/> vectors of <paramref name="dimension"/> values; a
    /// vocabulary of 0 must be set from the data (<see cref="WithVocabulary"/>) before the layer is built.</summary>
    public Embedding(int vocabulary, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vocabulary);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        (Vocabulary, Dimension) = (vocabulary, dimension);
    }

    /// <summary>Number of token ids, [0, Vocabulary).</summary>
    public int Vocabulary { get; }

    /// <summary>Values per vector.</summary>
    public int Dimension { get; }

    /// <summary>E, [vocabulary, dimension] (PyTorch's <c>weight</c>, Keras's <c>embeddings</c>).</summary>
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf(
        ("dimension", Dimension.ToString(CultureInfo.InvariantCulture)), ("vocabulary", Vocabulary.ToString(CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    public override Initializer? InitializerForPrecedingLayer => null;

    /// <summary>This layer with its vocabulary set, when it was left to the data (0); itself otherwise.</summary>
    public Embedding WithVocabulary(int vocabulary) => Vocabulary == 0 ? new Embedding(vocabulary, Dimension) { Name = Name } : this;

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (Vocabulary == 0)
        {
            throw new ShapeMismatchException($"Layer {Describe()} has no vocabulary: give embedding({Dimension}, vocabulary=N), or train with --task text, which takes it from the data.");
        }

        if (_weight is null)
        {
            _weight = new Parameter("weight", new Shape(Vocabulary, Dimension), isWeight: true);
            _parameters = [_weight];
        }

        return new Shape([.. inputShape.ToArray(), Dimension]);
    }

    /// <summary>N(0, 1), as PyTorch.</summary>
    public override void Initialize(Random random, Initializer defaultInitializer) => Initialization.FillNormal(Weight.Value, 1.0, random);

    /// <summary>y[p, :] = E[id_p, :] for every position p.</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        _input = input;
        Tensor output = _output.Get(input.Rows, OutputShape);
        ReadOnlySpan<float> ids = input.Span, table = Weight.Value;
        Span<float> y = output.Span;
        int dimension = Dimension;
        for (int p = 0; p < ids.Length; p++)
        {
            table.Slice(Id(ids, p) * dimension, dimension).CopyTo(y.Slice(p * dimension, dimension));
        }

        return output;
    }

    /// <summary>∂E[id_p, :] += ∂y[p, :]; ids get no gradient.</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor input = _input ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (outputGradient.Length != input.Length * Dimension)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced [{input.Rows}, {string.Join(", ", OutputShape.ToArray())}] but got a gradient of shape {outputGradient.Shape}.");
        }

        ReadOnlySpan<float> ids = input.Span, dy = outputGradient.Span;
        Span<float> dTable = Weight.Gradient;
        int dimension = Dimension;
        for (int p = 0; p < ids.Length; p++)
        {
            // in the forward pass this was y[p] = E[id_p], so ∂E[id_p] += ∂y[p] (several positions may share an id)
            TensorMath.Axpy(1f, dy.Slice(p * dimension, dimension), dTable.Slice((int)ids[p] * dimension, dimension));
        }

        if (!needInputGradient)
        {
            return null;
        }

        Tensor inputGradient = _inputGradient.Get(input.Rows, InputShape);
        inputGradient.Span.Clear();
        return inputGradient;
    }

    private int Id(ReadOnlySpan<float> ids, int position)
    {
        float value = ids[position];
        int id = (int)value;
        if (id != value || (uint)id >= (uint)Vocabulary)
        {
            int perSample = InputShape.Count;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Layer {Describe()}: sample {position / perSample}, position {position % perSample} holds {value}, not a token id in [0, {Vocabulary})."));
        }

        return id;
    }
}
