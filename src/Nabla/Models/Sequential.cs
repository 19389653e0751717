using Nabla.Data;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// A stack of layers applied in order, as Keras's <c>Sequential</c>. Shapes are checked as layers are added, so a
/// mismatch is reported when the model is built, naming both layers and shapes.
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential(784).Add(new Dense(128)).Add(new ReLU()).Add(new Dense(10));
/// model.Initialize(seed: 0);
/// </code>
/// </example>
public sealed class Sequential
{
    private readonly List<Layer> _layers = [];
    private readonly HashSet<Layer> _members = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _kindCounts = [];
    private readonly BatchBuffer _probabilities = new();
    private Shape _outputShape;

    /// <summary>Creates an empty model for samples of the given shape ([784] for flattened MNIST digits).</summary>
    public Sequential(params int[] inputShape)
    {
        InputShape = new Shape(inputShape);
        _outputShape = InputShape;
    }

    /// <summary>Per-sample input shape.</summary>
    public Shape InputShape { get; }

    /// <summary>Per-sample output shape (the input shape while there are no layers).</summary>
    public Shape OutputShape => _outputShape;

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>How <see cref="PredictProbabilities"/> turns the output into probabilities; set by training from the loss.</summary>
    public OutputTransform OutputTransform { get; set; }

    /// <summary>All trainable parameters, layer by layer.</summary>
    public IReadOnlyList<Parameter> Parameters => _layers.SelectMany(l => l.Parameters).ToList();

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
        return this;
    }

    /// <summary>
    /// Initializes every parameter from one seeded generator, layer by layer. A dense layer with the default
    /// initializer gets He uniform when a ReLU-family activation follows it (past any batch norm or dropout) and
    /// Glorot uniform otherwise.
    /// </summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < _layers.Count; i++)
        {
            if (_layers[i] is Dense { Initializer: Initializer.Default } dense)
            {
                Layer? next = _layers.Skip(i + 1).FirstOrDefault(l => l is not BatchNorm and not Dropout);
                dense.Initializer = next is ReLU or LeakyReLU ? Initializer.HeUniform : Initializer.GlorotUniform;
            }

            _layers[i].Initialize(random);
        }
    }

    /// <summary>Runs the batch through every layer. The returned tensor belongs to the last layer.</summary>
    /// <exception cref="ShapeMismatchException">The input is not [batch, InputShape...].</exception>
    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.RowLength != InputShape.Count)
        {
            throw new ShapeMismatchException($"The model expects inputs of shape [batch, {string.Join(", ", InputShape.ToArray())}] but got {input.Shape}.");
        }

        Tensor x = input;
        foreach (Layer layer in _layers)
        {
            x = layer.Forward(x, training);
        }

        return x;
    }

    /// <summary>
    /// A copy of this model's layers that shares its weights (the same arrays) but has its own gradients and
    /// activations, so that two threads can each run forward and backward passes over different rows at once; or
    /// null when the model has batch normalization (which mixes the rows of a batch) or a layer type defined outside
    /// this library (which cannot be copied).
    /// </summary>
    internal Sequential? TryCreateReplica()
    {
        if (_layers.Any(l => l.MixesBatch || l.GetType().Assembly != typeof(Layer).Assembly))
        {
            return null;
        }

        var replica = new Sequential(InputShape.ToArray()) { OutputTransform = OutputTransform };
        foreach (Layer layer in _layers)
        {
            Layer copy = Serialization.ModelFile.CreateLayer(layer.Kind, layer.Settings, "replica");
            if (copy.GetType() != layer.GetType())
            {
                return null;
            }

            replica.Add(copy);
        }

        for (int i = 0; i < _layers.Count; i++)
        {
            for (int j = 0; j < _layers[i].Parameters.Count; j++)
            {
                replica._layers[i].Parameters[j].ShareValues(_layers[i].Parameters[j]);
            }
        }

        return replica;
    }

    /// <summary>Whether <see cref="ForwardBytes"/> applies: the first layer is a <see cref="Dense"/> layer that can read
    /// a compact batch in place.</summary>
    internal bool AcceptsByteRows => _layers.Count > 0 && _layers[0] is Dense { AcceptsByteRows: true };

    /// <summary><see cref="Forward"/> on a compact dataset's batch, read by the first layer without expanding it.</summary>
    internal Tensor ForwardBytes(ByteRows input, bool training)
    {
        Tensor x = ((Dense)_layers[0]).ForwardBytes(input);
        for (int i = 1; i < _layers.Count; i++)
        {
            x = _layers[i].Forward(x, training);
        }

        return x;
    }

    /// <summary>Back-propagates ∂loss/∂output through every layer, accumulating parameter gradients. The first layer's
    /// input gradient is not computed (nothing needs it).</summary>
    public void Backward(Tensor outputGradient) => Backward(outputGradient, _layers.Count);

    /// <summary>Back-propagates the gradient of the output of layer <paramref name="layerCount"/> − 1 through the layers
    /// before it (the last layers are skipped: their gradient was computed another way).</summary>
    internal void Backward(Tensor outputGradient, int layerCount)
    {
        Tensor? gradient = outputGradient;
        for (int i = layerCount - 1; i >= 0 && gradient is not null; i--)
        {
            gradient = _layers[i].Backward(gradient, needInputGradient: i > 0);
        }
    }

    /// <summary>The first parameter or buffer holding a NaN or infinite value, as "dense_1.weight[3] = NaN", or null
    /// when every value is finite. A model with such a value is never saved.</summary>
    public string? FindNonFiniteValue()
    {
        foreach (Layer layer in _layers)
        {
            foreach (Parameter p in layer.Parameters.Concat(layer.Buffers))
            {
                if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(p.Value))
                {
                    int index = Array.FindIndex(p.Value, v => !float.IsFinite(v));
                    return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{layer.Name}.{p.Name}[{index}] = {p.Value[index]}");
                }
            }
        }

        return null;
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

    /// <summary>Class probabilities (or regression outputs) for a batch, in inference mode, with <see cref="OutputTransform"/>
    /// applied. The returned tensor is reused by the next call.</summary>
    public Tensor PredictProbabilities(Tensor input)
    {
        Tensor output = Forward(input, training: false);
        if (OutputTransform == OutputTransform.None)
        {
            return output;
        }

        Tensor probabilities = _probabilities.Get(output.Rows, output.RowLength);
        if (OutputTransform == OutputTransform.Softmax)
        {
            TensorMath.SoftmaxRows(output.Span, output.RowLength, probabilities.Span);
        }
        else
        {
            TensorMath.Sigmoid(output.Span, probabilities.Span);
        }

        return probabilities;
    }
}
