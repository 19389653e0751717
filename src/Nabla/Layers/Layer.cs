using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// One stage of a network: a forward function and its backward (the chain rule), side by side.
/// </summary>
/// <remarks>
/// <para>Shapes exclude the batch: a layer that takes <c>[batch, 1, 28, 28]</c> has <see cref="InputShape"/> [1, 28, 28].
/// <see cref="Build"/> fixes the input shape and computes the output shape once, when the layer joins a model.</para>
/// <para>
/// <see cref="Forward(Tensor, ForwardContext)"/> returns a tensor the layer owns and reuses on the next call; it keeps
/// what backward needs (its input or its output). <see cref="Backward"/> takes ∂loss/∂output, <b>adds</b>
/// ∂loss/∂parameter into each <see cref="Parameter.Gradient"/> (zeroing is the caller's separate, explicit step), and
/// returns ∂loss/∂input.
/// </para>
/// <para>A layer kind is declared once, by its <see cref="Type"/> (name, settings, construction); see
/// <see cref="LayerRegistry"/>.</para>
/// </remarks>
public abstract class Layer
{
    private Shape? _inputShape;
    private Shape? _outputShape;

    /// <summary>The layer's name in summaries, errors and model files ("dense_1").</summary>
    public string Name { get; set; } = "";

    /// <summary>The per-sample input shape, known once the layer is built.</summary>
    public Shape InputShape => _inputShape ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet: add it to a Sequential with an input shape.");

    /// <summary>The per-sample output shape, known once the layer is built.</summary>
    public Shape OutputShape => _outputShape ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet: add it to a Sequential with an input shape.");

    /// <summary>Whether <see cref="Build"/> has run.</summary>
    public bool IsBuilt => _outputShape is not null;

    /// <summary>The kind of layer: its name, settings and constructor.</summary>
    public abstract LayerType Type { get; }

    /// <summary>The kind's name as written in model files and summaries ("dense", "relu").</summary>
    public string Kind => Type.Name;

    /// <summary>The trainable parameters (none for activations).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>State that is not trained by gradients but belongs to the model (batch norm's running statistics):
    /// saved in model files and checkpoints next to the parameters.</summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>The settings that rebuild this layer (besides its parameters), canonical strings by
    /// <see cref="LayerType.Parameters"/> name; <see cref="LayerType.FromSettings"/> takes them back.</summary>
    public abstract IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Whether the layer's output for a sample depends on the other samples of its batch (batch norm), so a
    /// batch may not be split into chunks.</summary>
    public virtual bool MixesBatch => false;

    /// <summary>Whether the layer only re-views its input with another shape (flatten, reshape): the same values in
    /// the same order.</summary>
    public virtual bool IsReshape => false;

    /// <summary>
    /// How a weight layer just before this one initializes when its initializer is left at the default: He for the
    /// ReLU family, Glorot for anything else; null for a layer that does not change the scale its input needs
    /// (dropout, batch norm, reshapes), so the choice is taken from the layer after it.
    /// </summary>
    public virtual Initializer? InitializerForPrecedingLayer => Initializer.GlorotUniform;

    /// <summary>Fixes the input shape, checks it, and returns the output shape.</summary>
    /// <exception cref="ShapeMismatchException">This layer cannot take <paramref name="inputShape"/>.</exception>
    public Shape Build(Shape inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        _outputShape = ComputeOutputShape(inputShape);
        _inputShape = inputShape;
        return _outputShape;
    }

    /// <summary>Computes the output for a batch [batch, InputShape...].</summary>
    public abstract Tensor Forward(Tensor input, ForwardContext context);

    /// <summary>Computes the output for a batch; <paramref name="training"/> turns on training-only behaviour.</summary>
    public Tensor Forward(Tensor input, bool training) => Forward(input, training ? ForwardContext.ForTraining(0) : ForwardContext.Inference);

    /// <summary>Back-propagates ∂loss/∂output; accumulates parameter gradients; returns ∂loss/∂input, or null when
    /// <paramref name="needInputGradient"/> is false (the first layer).</summary>
    public abstract Tensor? Backward(Tensor outputGradient, bool needInputGradient);

    /// <summary>Initializes the parameters (nothing for layers without any). <paramref name="defaultInitializer"/> is
    /// what <see cref="Initializer.Default"/> means here (from the layers that follow).</summary>
    public virtual void Initialize(Random random, Initializer defaultInitializer)
    {
    }

    /// <summary>
    /// A layer of the same kind and settings, built for the same input, whose parameters share this layer's values
    /// (the same arrays) but have their own gradients, and whose activations are its own: a data-parallel replica.
    /// Null when the kind is not registered (it cannot be rebuilt from its settings).
    /// </summary>
    public virtual Layer? CreateReplica()
    {
        if (LayerRegistry.Find(Kind) != Type)
        {
            return null;
        }

        Layer copy = Type.FromSettings(Settings);
        copy.Name = Name;
        copy.Build(InputShape);
        for (int i = 0; i < Parameters.Count; i++)
        {
            copy.Parameters[i].ShareValues(Parameters[i]);
        }

        for (int i = 0; i < Buffers.Count; i++)
        {
            copy.Buffers[i].ShareValues(Buffers[i]);
        }

        return copy;
    }

    /// <summary>Computes and checks the output shape for <paramref name="inputShape"/>.</summary>
    protected abstract Shape ComputeOutputShape(Shape inputShape);

    /// <summary>Throws unless <paramref name="input"/> is [batch, InputShape...].</summary>
    protected void CheckInput(Tensor input, string pass = "input")
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != InputShape.Rank + 1 || !input.Shape.Dimensions[1..].SequenceEqual(InputShape.Dimensions))
        {
            throw new ShapeMismatchException($"Layer {Describe()} expects {pass} of shape [batch, {string.Join(", ", InputShape.ToArray())}] but got {input.Shape}.");
        }
    }

    /// <summary>Throws unless <paramref name="outputGradient"/> has the shape of the last output.</summary>
    protected void CheckOutputGradient(Tensor outputGradient, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (outputGradient.Length != output.Length || outputGradient.Rows != output.Rows)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced {output.Shape} but got a gradient of shape {outputGradient.Shape}.");
        }
    }

    /// <summary>"dense_1 (dense)".</summary>
    public string Describe() => string.IsNullOrEmpty(Name) ? Kind : $"{Name} ({Kind})";

    /// <summary>Creates the settings dictionary of <see cref="Settings"/> from name/value pairs.</summary>
    protected static IReadOnlyDictionary<string, string> SettingsOf(params (string Name, string Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
