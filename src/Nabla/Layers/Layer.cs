using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// One stage of a network: a forward function and its backward (the chain rule), side by side.
/// </summary>
/// <remarks>
/// <para>Shapes exclude the batch: a layer that takes <c>[batch, 784]</c> has <see cref="InputShape"/> [784].</para>
/// <para>
/// <see cref="Forward"/> returns a tensor the layer owns and reuses on the next call; it keeps what backward needs
/// (its input or its output). <see cref="Backward"/> takes ∂loss/∂output, <b>adds</b> ∂loss/∂parameter into each
/// <see cref="Parameter.Gradient"/> (zeroing is the caller's separate, explicit step), and returns ∂loss/∂input.
/// </para>
/// </remarks>
public abstract class Layer
{
    private Shape? _inputShape;
    private Shape? _outputShape;

    /// <summary>The layer's name in summaries, errors and model files ("dense_1").</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The per-sample input shape, known once the layer is built.</summary>
    public Shape InputShape => _inputShape ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet: add it to a Sequential with an input shape.");

    /// <summary>The per-sample output shape, known once the layer is built.</summary>
    public Shape OutputShape => _outputShape ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet: add it to a Sequential with an input shape.");

    /// <summary>Whether <see cref="Build"/> has run.</summary>
    public bool IsBuilt => _outputShape is not null;

    /// <summary>The trainable parameters (none for activations).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>The layer's type as written in model files and summaries ("dense", "relu").</summary>
    public abstract string Kind { get; }

    /// <summary>Fixes the input shape, checks it, and returns the output shape.</summary>
    /// <exception cref="ShapeMismatchException">This layer cannot take <paramref name="inputShape"/>.</exception>
    public Shape Build(Shape inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        _outputShape = ComputeOutputShape(inputShape);
        _inputShape = inputShape;
        return _outputShape;
    }

    /// <summary>Computes the output for a batch. <paramref name="training"/> turns on training-only behaviour.</summary>
    public abstract Tensor Forward(Tensor input, bool training);

    /// <summary>Back-propagates ∂loss/∂output; accumulates parameter gradients; returns ∂loss/∂input, or null when
    /// <paramref name="needInputGradient"/> is false (the first layer).</summary>
    public abstract Tensor? Backward(Tensor outputGradient, bool needInputGradient);

    /// <summary>Initializes the parameters (nothing for layers without any).</summary>
    public virtual void Initialize(Random random)
    {
    }

    /// <summary>The settings that rebuild this layer (besides its parameters), for model files.</summary>
    public virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>State that is not trained by gradients but belongs to the model (batch norm's running statistics):
    /// saved in model files and checkpoints next to the parameters.</summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>Whether the layer's output for a sample depends on the other samples of its batch (batch norm), so a
    /// batch may not be split into chunks.</summary>
    public virtual bool MixesBatch => false;

    /// <summary>The number of the training step now running; randomized layers (dropout) derive their masks from it
    /// and their seed, so a resumed run draws exactly what an uninterrupted one would.</summary>
    public long TrainingStep { get; set; }

    /// <summary>Computes and checks the output shape for <paramref name="inputShape"/>.</summary>
    protected abstract Shape ComputeOutputShape(Shape inputShape);

    /// <summary>Throws unless <paramref name="input"/> is [batch, InputShape...].</summary>
    protected void CheckInput(Tensor input, string pass = "input")
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.RowLength != InputShape.Count || input.Rank != InputShape.Rank + 1)
        {
            var expected = new List<string> { "batch" };
            for (int i = 0; i < InputShape.Rank; i++)
            {
                expected.Add(InputShape[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            throw new ShapeMismatchException($"Layer {Describe()} expects {pass} of shape [{string.Join(", ", expected)}] but got {input.Shape}.");
        }
    }

    /// <summary>"dense_1 (dense)".</summary>
    public string Describe() => string.IsNullOrEmpty(Name) ? Kind : $"{Name} ({Kind})";

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
