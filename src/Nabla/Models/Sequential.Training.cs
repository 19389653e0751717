using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Optimizers;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Models;

/// <summary>Keras's <c>compile</c>, <c>fit</c> and <c>evaluate</c> on a <see cref="Sequential"/>, over
/// <see cref="TrainingSession"/> and <see cref="Evaluator"/> (which learners can call step by step instead).</summary>
public sealed partial class Sequential
{
    /// <summary>The loss set by <see cref="Compile(ILoss, IOptimizer, int)"/> (or the one a loaded model was trained with).</summary>
    public ILoss? Loss { get; private set; }

    /// <summary>The optimizer set by <see cref="Compile(ILoss, IOptimizer, int)"/>; it keeps its state from one
    /// <see cref="Fit(Dataset, TrainingOptions, Dataset?, IProgress{TrainingProgress}?, CancellationToken)"/> to the next, as Keras's does.</summary>
    public IOptimizer? Optimizer { get; private set; }

    /// <summary>Chooses the loss and optimizer by name, and initializes the weights with <paramref name="seed"/> unless
    /// they already hold values.</summary>
    /// <param name="loss">"cross-entropy" (softmax on logits), "categorical-cross-entropy", "binary-cross-entropy" or "mse".</param>
    /// <param name="optimizer">"sgd", "momentum", "nesterov", "rmsprop", "adam" or "adamw".</param>
    /// <param name="learningRate">The step size (default: 0.001 for the adaptive ones, 0.01 otherwise).</param>
    /// <param name="seed">Seed of the initial weights.</param>
    public Sequential Compile(string loss = "cross-entropy", string optimizer = "adam", float? learningRate = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        InitializeOnce(seed);
        return Compile(Losses.Loss.Create(loss), Optimizers.Optimizer.Create(optimizer, Parameters, learningRate ?? Optimizers.Optimizer.DefaultLearningRate(optimizer)), seed);
    }

    /// <summary>Uses <paramref name="loss"/> and <paramref name="optimizer"/> (made over this model's
    /// <see cref="Parameters"/>), and initializes the weights with <paramref name="seed"/> unless they already hold values.</summary>
    public Sequential Compile(ILoss loss, IOptimizer optimizer, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        InitializeOnce(seed);
        (Loss, Optimizer, OutputTransform) = (loss, optimizer, loss.OutputTransform);
        return this;
    }

    /// <summary>Trains for <paramref name="epochs"/> passes in shuffled mini-batches (0: full batch), holding out
    /// <paramref name="validationSplit"/> of the data (stratified) or validating on <paramref name="validation"/>.</summary>
    /// <returns>The per-epoch history (Keras's History).</returns>
    public TrainingHistory Fit(Dataset train, int epochs = 10, int batchSize = 64, double validationSplit = 0, Dataset? validation = null,
        IReadOnlyList<ITrainingCallback>? callbacks = null, IProgress<TrainingProgress>? progress = null, int seed = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (validationSplit > 0)
        {
            if (validation is not null)
            {
                throw new ArgumentException("Give either a validation split or a validation set, not both.");
            }

            (train, validation) = train.SplitValidation(validationSplit, seed);
        }

        var options = new TrainingOptions { Epochs = epochs, BatchSize = batchSize, Seed = seed, Callbacks = callbacks ?? [] };
        return Fit(train, options, validation, progress, cancellationToken);
    }

    /// <summary>Trains with every option of <see cref="TrainingOptions"/> (epochs count from zero each call).</summary>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    public TrainingHistory Fit(Dataset train, TrainingOptions options, Dataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (Loss is null || Optimizer is null)
        {
            throw new InvalidOperationException("Call Compile (a loss and an optimizer) before Fit.");
        }

        TrainingHistory history = new TrainingSession(this, Loss, Optimizer, options).Run(train, validation, progress, cancellationToken);
        Metadata = Metadata with
        {
            ClassNames = train.ClassNames ?? (train.Task == TaskKind.Regression ? [] : Enumerable.Range(0, train.ClassCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()),
            InputScale = Metadata.Scaler is null ? train.RawScale : Metadata.InputScale,
            Loss = Loss.Name,
            Task = train.Task,
            History = history,
            // Images ([1, h, w] or [h, w]): what they look like, so that a photo is brought into the same form.
            ImageStyle = Metadata.FeatureNames is null && train.SampleShape.Rank >= 2 ? Metadata.ImageStyle ?? ImageStyle.Measure(train) : Metadata.ImageStyle,
        };
        return history;
    }

    /// <summary>Loss and accuracy (and every output) on <paramref name="data"/>, in inference mode.</summary>
    /// <exception cref="InvalidOperationException">No loss: the model was neither compiled nor loaded from a file.</exception>
    public EvaluationResult Evaluate(Dataset data)
    {
        ILoss loss = Loss ?? (Metadata.Loss.Length > 0 ? Losses.Loss.Create(Metadata.Loss) : throw new InvalidOperationException("Call Compile (or load a trained model) before Evaluate."));
        return Evaluator.Evaluate(this, loss, data);
    }

    /// <summary>Throws unless <paramref name="data"/>'s samples and targets fit this model: the same sample shape (or
    /// the same number of values, for a model on flat features), and as many outputs as the data has classes or
    /// target values. <paramref name="what"/> names the data in the message ("training").</summary>
    /// <exception cref="ShapeMismatchException">They do not fit.</exception>
    public void CheckCompatible(Dataset data, string what)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool shapeFits = data.SampleShape.Equals(InputShape) || (data.FeatureCount == InputShape.Count && (InputShape.Rank == 1 || data.SampleShape.Rank == 1));
        if (!shapeFits)
        {
            throw new ShapeMismatchException($"The model takes samples of shape [{string.Join(", ", InputShape.ToArray())}] ({InputShape.Count} values) but the {what} data has [{string.Join(", ", data.SampleShape.ToArray())}] ({data.FeatureCount}).");
        }

        if (OutputShape.Count != data.OutputCount)
        {
            string needs = data.Task switch
            {
                TaskKind.Classification => $"{data.ClassCount} classes",
                TaskKind.Binary => "2 classes (one output)",
                _ => $"{data.OutputCount} target values",
            };
            throw new ShapeMismatchException($"The model outputs {OutputShape.Count} values per sample but the {what} data has {needs}.");
        }
    }

    private void InitializeOnce(int seed)
    {
        if (!IsInitialized)
        {
            Initialize(seed);
        }
    }
}
