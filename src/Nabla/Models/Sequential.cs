using System.Collections;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Parameters;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// A stack of layers applied in order, as Keras's <c>Sequential</c>. Built from a per-sample input shape of any rank;
/// each layer computes its output shape as it is added, so a mismatch is reported when the model is built, naming both
/// layers and shapes.
/// </summary>
/// <remarks>
/// This file is the stack itself (build, initialize, forward, backward). The Keras-shaped surface — <c>Compile</c>,
/// <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c>, <c>Summary</c>, <c>Save</c>/<c>Load</c> — is a thin layer over
/// Training and Serialization, in the other <c>Sequential.*.cs</c> files.
/// </remarks>
/// <example>
/// <code>
/// var model = new Sequential(1, 28, 28) { new Flatten(), new Dense(128), new ReLU(), new Dense(10) };
/// model.Compile("cross-entropy", "adam", seed: 0);
/// </code>
/// </example>
public sealed partial class Sequential : IEnumerable<Layer>
{
    private readonly List<Layer> _layers = [];
    private readonly HashSet<Layer> _members = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _kindCounts = [];
    private readonly BatchBuffer _probabilities = new();
    private readonly Tensor _inputView = new(0, 0);
    private Shape _outputShape;
    private int[]? _fusionPlan;

    // NABLA_FUSION=0 turns layer fusion off (for measuring what it gains; the results are the same either way).
    private static readonly bool s_fusion = Environment.GetEnvironmentVariable("NABLA_FUSION") != "0";

    /// <summary>Creates an empty model for samples of the given shape ([784] for flat features, [1, 28, 28] for
    /// one-channel 28×28 images).</summary>
    public Sequential(params int[] inputShape)
        : this(new Shape(inputShape))
    {
    }

    /// <summary>Creates a model for samples of <paramref name="inputShape"/> with <paramref name="layers"/> in order.</summary>
    public Sequential(Shape inputShape, params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        InputShape = inputShape;
        _outputShape = InputShape;
        foreach (Layer layer in layers)
        {
            Add(layer);
        }
    }

    /// <summary>Per-sample input shape.</summary>
    public Shape InputShape { get; }

    /// <summary>Per-sample output shape (the input shape while there are no layers).</summary>
    public Shape OutputShape => _outputShape;

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>How <see cref="PredictProbabilities"/> turns the output into probabilities; set from the loss.</summary>
    public OutputTransform OutputTransform { get; set; }

    /// <summary>What the model file keeps besides the weights: class names, preprocessing, task (set by training).</summary>
    public ModelMetadata Metadata { get; set; } = ModelMetadata.Empty;

    /// <summary>Whether the parameters hold trained or initialized values (<see cref="Initialize"/>, a loaded file).</summary>
    public bool IsInitialized { get; private set; }

    /// <summary>All trainable parameters, layer by layer.</summary>
    public IReadOnlyList<Parameter> Parameters => _layers.SelectMany(l => l.Parameters).ToList();

    /// <summary>The parameters and then the buffers of each layer, layer by layer: everything a model file holds.</summary>
    public IReadOnlyList<Parameter> State => _layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).ToList();

    /// <summary>Total number of trainable values.</summary>
    public long ParameterCount => Parameters.Sum(p => (long)p.Shape.Count);

    /// <summary>Appends a layer, names it ("dense_2"), and checks that it accepts the current output shape.</summary>
    /// <exception cref="ShapeMismatchException">The layer cannot take the previous layer's output.</exception>
    public Sequential Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_members.Contains(layer))
        {
            throw new ArgumentException($"Layer {layer.Describe()} is already in this model.");
        }

        if (string.IsNullOrEmpty(layer.Name))
        {
            int count = _kindCounts.GetValueOrDefault(layer.Kind) + 1;
            _kindCounts[layer.Kind] = count;
            layer.Name = $"{layer.Kind}_{count}";
        }

        try
        {
            _outputShape = layer.Build(_outputShape);
        }
        catch (ShapeMismatchException ex) when (_layers.Count > 0)
        {
            throw new ShapeMismatchException($"{ex.Message} (it follows layer {_layers[^1].Describe()}, whose output is [batch, {string.Join(", ", _outputShape.ToArray())}])", ex);
        }

        _layers.Add(layer);
        _members.Add(layer);
        _fusionPlan = null;
        IsInitialized = false;
        return this;
    }

    /// <summary>
    /// Initializes every parameter from one seeded generator, layer by layer. A layer left at the default initializer
    /// takes it from the next layer that has a say (<see cref="Layer.InitializerForPrecedingLayer"/>): He uniform
    /// before the ReLU family, Glorot uniform otherwise, looking past dropout, batch norm and reshapes.
    /// </summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < _layers.Count; i++)
        {
            Initializer hint = _layers.Skip(i + 1).Select(l => l.InitializerForPrecedingLayer).FirstOrDefault(h => h is not null) ?? Initializer.GlorotUniform;
            _layers[i].Initialize(random, hint);
        }

        IsInitialized = true;
    }

    /// <summary>Marks the parameters as holding values (a model file's, or values set by the caller).</summary>
    public void MarkInitialized() => IsInitialized = true;

    /// <summary>Runs the batch through every layer. The returned tensor belongs to the last layer.</summary>
    /// <exception cref="ShapeMismatchException">The input is not [batch, InputShape...] (a batch with the same number
    /// of values per sample in another shape is viewed as InputShape).</exception>
    public Tensor Forward(Tensor input, ForwardContext context) => ForwardFrom(0, ViewAsInput(input), context);

    /// <summary>Runs <paramref name="x"/> through the layers from <paramref name="start"/> on, a fused block (see
    /// <see cref="IFusedLayer"/>) as one pass.</summary>
    private Tensor ForwardFrom(int start, Tensor x, ForwardContext context)
    {
        int[] plan = FusionPlan();
        for (int i = start; i < _layers.Count; i++)
        {
            if (plan[i] > 0)
            {
                x = ((IFusedLayer)_layers[i]).ForwardFused(x, context);
                i += plan[i];
            }
            else
            {
                x = _layers[i].Forward(x, context);
            }
        }

        return x;
    }

    /// <summary>How many fused blocks the forward and backward passes run (for tests).</summary>
    internal int FusedBlockCount => FusionPlan().Count(n => n > 0);

    /// <summary>For each layer, how many following layers it computes in a fused pass (0: none), or -1 for a layer
    /// computed by the one that starts its block; worked out once for the layers as they are.</summary>
    private int[] FusionPlan()
    {
        if (_fusionPlan is { } known && known.Length == _layers.Count)
        {
            return known;
        }

        int[] plan = new int[_layers.Count];
        for (int i = 0; i < plan.Length; i++)
        {
            int fused = s_fusion && _layers[i] is IFusedLayer layer ? layer.Fuse(_layers, i) : 0;
            plan[i] = fused;
            for (int j = 1; j <= fused; j++)
            {
                plan[i + j] = -1;
            }

            i += fused;
        }

        return _fusionPlan = plan;
    }

    /// <summary>Runs the batch through every layer, in training or inference mode.</summary>
    public Tensor Forward(Tensor input, bool training) => Forward(input, training ? ForwardContext.ForTraining(0) : ForwardContext.Inference);

    /// <summary>
    /// A copy of this model's layers that shares its weights (the same arrays) but has its own gradients and
    /// activations, so that two threads can each run forward and backward passes over different rows at once; or
    /// null when the model has batch normalization (which mixes the rows of a batch) or a layer kind that is not
    /// registered (which cannot be rebuilt from its settings).
    /// </summary>
    internal Sequential? TryCreateReplica()
    {
        if (_layers.Any(l => l.MixesBatch))
        {
            return null;
        }

        var replica = new Sequential(InputShape) { OutputTransform = OutputTransform };
        foreach (Layer layer in _layers)
        {
            if (layer.CreateReplica() is not { } copy)
            {
                return null;
            }

            replica._layers.Add(copy);
            replica._members.Add(copy);
        }

        replica._outputShape = _outputShape;
        replica.IsInitialized = IsInitialized;
        return replica;
    }

    /// <summary>Whether <see cref="ForwardBytes"/> applies: after any reshapes, the first layer can read a compact
    /// batch of bytes in place (the one seam of the byte fast path).</summary>
    internal bool AcceptsByteRows => FirstComputingLayer() is { } i && _layers[i] is IByteRowsInput { AcceptsByteRows: true };

    /// <summary><see cref="Forward(Tensor, ForwardContext)"/> on a compact dataset's batch, read by the first layer
    /// without expanding it (the reshapes before it change nothing: the bytes are row-major).</summary>
    internal Tensor ForwardBytes(ByteRows input, ForwardContext context)
    {
        int first = FirstComputingLayer()!.Value;
        return ForwardFrom(first + 1, ((IByteRowsInput)_layers[first]).ForwardBytes(input), context);
    }

    /// <summary>Back-propagates ∂loss/∂output through every layer, accumulating parameter gradients. The first layer's
    /// input gradient is not computed (nothing needs it).</summary>
    public void Backward(Tensor outputGradient) => Backward(outputGradient, _layers.Count);

    /// <summary>Back-propagates the gradient of the output of layer <paramref name="layerCount"/> − 1 through the layers
    /// before it (the last layers are skipped: their gradient was computed another way).</summary>
    internal void Backward(Tensor outputGradient, int layerCount)
    {
        int first = FirstComputingLayer() ?? 0;
        int[] plan = FusionPlan();
        Tensor? gradient = outputGradient;
        for (int i = layerCount - 1; i >= first && gradient is not null; i--)
        {
            if (plan[i] < 0)
            {
                // the last layer of a fused block: the block's first layer back-propagates through all of it
                int start = i;
                while (plan[start] < 0)
                {
                    start--;
                }

                if (start + plan[start] != i)
                {
                    throw new InvalidOperationException($"Backward from layer {_layers[i].Describe()} would start inside the fused block of {_layers[start].Describe()}.");
                }

                gradient = ((IFusedLayer)_layers[start]).BackwardFused(gradient, needInputGradient: start > first);
                i = start;
            }
            else if (plan[i] > 0)
            {
                throw new InvalidOperationException($"Backward from layer {_layers[i].Describe()} would start inside its fused block.");
            }
            else
            {
                gradient = _layers[i].Backward(gradient, needInputGradient: i > first);
            }
        }
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradients()
    {
        foreach (Layer layer in _layers)
        {
            IReadOnlyList<Parameter> parameters = layer.Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                parameters[i].ZeroGradient();
            }
        }
    }

    /// <summary>The first parameter or buffer holding a NaN or infinite value, as "dense_1.weight[3] = NaN", or null
    /// when every value is finite. A model with such a value is never saved.</summary>
    public string? FindNonFiniteValue()
    {
        foreach (Layer layer in _layers)
        {
            if ((FindNonFinite(layer, layer.Parameters) ?? FindNonFinite(layer, layer.Buffers)) is { } found)
            {
                return found;
            }
        }

        return null;

        static string? FindNonFinite(Layer layer, IReadOnlyList<Parameter> parameters)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                Parameter p = parameters[i];
                if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(p.Value))
                {
                    int index = Array.FindIndex(p.Value, v => !float.IsFinite(v));
                    return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{layer.Name}.{p.Name}[{index}] = {p.Value[index]}");
                }
            }

            return null;
        }
    }

    /// <summary>Class probabilities (or regression outputs) for a batch, in inference mode, with <see cref="OutputTransform"/>
    /// applied. The returned tensor is reused by the next call.</summary>
    public Tensor PredictProbabilities(Tensor input)
    {
        Tensor output = Forward(input, ForwardContext.Inference);
        if (OutputTransform == OutputTransform.None)
        {
            return output;
        }

        Tensor probabilities = _probabilities.Like(output);
        if (OutputTransform == OutputTransform.Softmax)
        {
            TensorMath.SoftmaxRows(output.Span, output.Shape.Last, probabilities.Span);
        }
        else
        {
            TensorMath.Sigmoid(output.Span, probabilities.Span);
        }

        return probabilities;
    }

    /// <summary>Adds a layer (collection-initializer syntax: <c>new Sequential(784) { new Dense(10) }</c>).</summary>
    IEnumerator<Layer> IEnumerable<Layer>.GetEnumerator() => _layers.GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => _layers.GetEnumerator();

    /// <summary>The index of the first layer that is not a reshape, or null when there is none.</summary>
    private int? FirstComputingLayer()
    {
        for (int i = 0; i < _layers.Count; i++)
        {
            if (!_layers[i].IsReshape)
            {
                return i;
            }
        }

        return null;
    }

    private Tensor ViewAsInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == InputShape.Rank + 1 && input.Shape.Dimensions[1..].SequenceEqual(InputShape.Dimensions))
        {
            return input;
        }

        if (input.Rank >= 1 && input.RowLength == InputShape.Count)
        {
            _inputView.SetReshapedView(input, InputShape);
            return _inputView;
        }

        throw new ShapeMismatchException($"The model expects inputs of shape [batch, {string.Join(", ", InputShape.ToArray())}] but got {input.Shape}.");
    }
}
