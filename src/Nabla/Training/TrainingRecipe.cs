using System.Globalization;
using Nabla.Data;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Schedules;

namespace Nabla.Training;

/// <summary>
/// Everything that defines a training run, as plain settings — the architecture, the loss, the optimizer and the
/// training options — built fresh into a new model, loss, optimizer and options for every run, so that
/// cross-validation and hyperparameter search can run one recipe many times with no shared state. The settings are
/// named as <c>nabla train</c>'s options, and so are the problems <see cref="Validate"/> reports.
/// </summary>
public sealed partial record TrainingRecipe
{
    /// <summary>The batch size <c>auto</c> picks at most (as scikit-learn's <c>batch_size="auto"</c>, min(200, samples)).</summary>
    public const int AutoBatchSizeLimit = 200;

    /// <summary>The batch size <c>auto</c> picks at least (unless the data has fewer samples).</summary>
    public const int AutoBatchSizeMinimum = 32;

    /// <summary>The steps per epoch <c>auto</c> aims at, within those bounds.</summary>
    public const int AutoBatchSteps = 16;

    /// <summary>The layer stack before the output layer (<c>--arch</c>, see <see cref="ArchitectureParser"/>); when
    /// null, dense layers of <see cref="Hidden"/> widths, each followed by batch norm, the activation and dropout as set.</summary>
    public string? Architecture { get; init; }

    /// <summary>Hidden dense layer widths (<c>--layers</c>), used when there is no <see cref="Architecture"/>.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [128];

    /// <summary>The hidden activation (<c>--activation</c>).</summary>
    public string Activation { get; init; } = "relu";

    /// <summary>The loss (<c>--loss</c>); null: cross-entropy, binary cross-entropy or MSE, from the task.</summary>
    public string? Loss { get; init; }

    /// <summary>The optimizer (<c>--optimizer</c>).</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>The learning rate (<c>--lr</c>); null: the optimizer's default.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Decoupled weight decay for adamw (<c>--weight-decay</c>); null: 0.01.</summary>
    public float? WeightDecay { get; init; }

    /// <summary>Epochs (<c>--epochs</c>): exactly this many; null (<c>auto</c>) trains until the loss has converged —
    /// until the monitored loss (val_loss with a validation split, else the training loss) has not improved by more
    /// than <see cref="Tolerance"/> for <see cref="NoImprovementEpochs"/> epochs, at most <see cref="MaxEpochs"/>,
    /// keeping the best weights (scikit-learn's MLP rule: tol 1e-4, n_iter_no_change 10, max_iter 200).</summary>
    public int? Epochs { get; init; }

    /// <summary>The most epochs <c>--epochs auto</c> trains (<c>--max-epochs</c>).</summary>
    public int MaxEpochs { get; init; } = 200;

    /// <summary>The improvement of the loss that counts for <c>--epochs auto</c> (<c>--tol</c>).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Epochs without such an improvement after which <c>--epochs auto</c> stops (<c>--n-iter-no-change</c>).</summary>
    public int NoImprovementEpochs { get; init; } = 10;

    /// <summary>Samples per step (<c>--batch-size</c>); 0: full batch; null (<c>auto</c>): samples/16 clamped to
    /// [32, 200], and never more than the samples. scikit-learn's rule, min(200, samples), leaves a table of a few hundred
    /// rows one or two steps per epoch; 16 steps at the least took the diabetes set from R² 0.33 to 0.41 on the same
    /// splits, with the other tables of docs/BENCHMARKS.md within a few tenths of a point.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Weight initializer (<c>--init</c>): of the dense layers, and of the <see cref="Architecture"/>'s layers
    /// that leave theirs at the default.</summary>
    public string Init { get; init; } = "default";

    /// <summary>Seed of the weights, the shuffling and the splits (<c>--seed</c>).</summary>
    public int Seed { get; init; }

    /// <summary>Dropout after each hidden activation (<c>--dropout</c>).</summary>
    public float Dropout { get; init; }

    /// <summary>Batch normalization before each hidden activation (<c>--batch-norm</c>).</summary>
    public bool BatchNorm { get; init; }

    /// <summary>Random distortions of training images (<c>--augment shift=2,rotate=10,scale=0.1</c>, see
    /// <see cref="ImageAugmentation"/>); null: none.</summary>
    public string? Augment { get; init; }

    /// <summary>L2 penalty α (<c>--l2</c>).</summary>
    public float L2 { get; init; }

    /// <summary>Global gradient norm limit (<c>--clip-norm</c>).</summary>
    public float? ClipNorm { get; init; }

    /// <summary>Gradient value limit (<c>--clip-value</c>).</summary>
    public float? ClipValue { get; init; }

    /// <summary>Learning-rate schedule (<c>--schedule</c>).</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Whether to stop early (<c>--early-stopping</c>).</summary>
    public bool EarlyStopping { get; init; }

    /// <summary>Early stopping's metric (<c>--monitor</c>); null: val_loss with a validation split, else loss.</summary>
    public string? Monitor { get; init; }

    /// <summary>Early stopping's patience (<c>--patience</c>).</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Early stopping's minimum improvement (<c>--min-delta</c>).</summary>
    public double MinDelta { get; init; }

    /// <summary>Fraction of the training data held out for validation (<c>--val-split</c>).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>The monitored metric early stopping will use.</summary>
    public string EffectiveMonitor => Monitor ?? (ValidationSplit > 0 ? "val_loss" : "loss");

    /// <summary>The most epochs the run can take: <see cref="Epochs"/>, or <see cref="MaxEpochs"/> when auto.</summary>
    public int EpochLimit => Epochs ?? MaxEpochs;

    /// <summary>Whether the run stops when the loss has converged (<c>--epochs auto</c>, and no <c>--early-stopping</c>
    /// of its own).</summary>
    public bool StopsAtConvergence => Epochs is null && !EarlyStopping;

    /// <summary>The batch size for <paramref name="samples"/> training samples (0: full batch).</summary>
    public int ResolveBatchSize(int samples) => BatchSize ?? Math.Max(1, Math.Min(samples, Math.Clamp(samples / AutoBatchSteps, AutoBatchSizeMinimum, AutoBatchSizeLimit)));

    /// <summary>The learning rate the optimizer will start from.</summary>
    public float EffectiveLearningRate => LearningRate ?? Optimizers.Optimizer.DefaultLearningRate(Optimizer);

    /// <summary>Checks every setting that does not depend on the data. Comparisons are written so that NaN fails them.</summary>
    /// <exception cref="ArgumentException">The first problem, naming the option (e.g. "--dropout must be in [0, 1), got NaN.").</exception>
    public void Validate()
    {
        Require(Epochs is null or >= 1, $"--epochs must be at least 1 or auto, got {Epochs}.");
        Require(MaxEpochs >= 1, $"--max-epochs must be at least 1, got {MaxEpochs}.");
        Require(Tolerance >= 0 && double.IsFinite(Tolerance), $"--tol must be a number ≥ 0, got {F(Tolerance)}.");
        Require(NoImprovementEpochs >= 1, $"--n-iter-no-change must be at least 1, got {NoImprovementEpochs}.");
        Require(BatchSize is null or >= 0, $"--batch-size must be positive, 'full' or auto, got {BatchSize}.");
        Require(ValidationSplit >= 0 && ValidationSplit < 1, $"--val-split must be in [0, 1), got {F(ValidationSplit)}.");
        Require(Dropout >= 0 && Dropout < 1, $"--dropout must be in [0, 1), got {F(Dropout)}.");
        Require(Hidden.All(h => h > 0), "--layers takes positive widths.");
        RequireNonNegative(L2, "--l2");
        RequireNonNegative(WeightDecay, "--weight-decay");
        RequireNonNegative((float)MinDelta, "--min-delta");
        RequirePositive(ClipNorm, "--clip-norm");
        RequirePositive(ClipValue, "--clip-value");
        Require(Patience >= 1, $"--patience must be at least 1, got {Patience}.");
        Require(!Activation.Equals("softmax", StringComparison.OrdinalIgnoreCase), "--activation softmax is for output layers; choose relu, leaky-relu, sigmoid or tanh for hidden layers.");
        Named("--activation", () => Layers.Activation.Create(Activation));
        Named("--optimizer", () => Optimizers.Optimizer.Create(Optimizer, [], 1f));
        Require(WeightDecay is null || Optimizer.Equals("adamw", StringComparison.OrdinalIgnoreCase), "--weight-decay is for --optimizer adamw (use --l2 with the others).");
        Require(EffectiveLearningRate > 0 && float.IsFinite(EffectiveLearningRate), $"--lr must be a positive number, got {F(EffectiveLearningRate)}.");
        Named("--init", () => Initialization.Parse(Init));
        Named("--schedule", () => LearningRateSchedule.Create(Schedule));
        if (Loss is not null)
        {
            Named("--loss", () => Losses.Loss.Create(Loss));
        }

        if (Augment is not null)
        {
            Named("--augment", () => ImageAugmentation.Parse(Augment));
        }

        string monitor = EffectiveMonitor;
        Require(monitor is "val_loss" or "val_accuracy" or "loss" or "accuracy", $"--monitor must be val_loss, val_accuracy, loss or accuracy, got '{monitor}'.");
        Require(!(EarlyStopping && monitor.StartsWith("val_", StringComparison.Ordinal) && ValidationSplit <= 0), $"--monitor {monitor} needs a validation set: add --val-split 0.1.");
        if (Architecture is not null)
        {
            try
            {
                ArchitectureParser.Parse(Architecture);
            }
            catch (FormatException ex)
            {
                throw new ArgumentException($"--arch \"{Architecture}\": {ex.Message}", ex);
            }
        }
    }

    /// <summary>The loss for a dataset of <paramref name="task"/>: the one chosen, or the task's natural one.</summary>
    /// <exception cref="ArgumentException">A multi-class loss for a binary or regression target, or a loss that does not
    /// take token ids for text (and the other way round).</exception>
    public ILoss CreateLoss(TaskKind task)
    {
        if (Loss is not null)
        {
            ILoss chosen = Losses.Loss.Create(Loss);
            Require(task == TaskKind.Classification || chosen is not (SoftmaxCrossEntropy or CategoricalCrossEntropy),
                $"--loss {Loss} needs several classes but the target is {task.ToString().ToLowerInvariant()}: use binary-cross-entropy or mse.");
            Require((task == TaskKind.Text) == chosen is SparseSoftmaxCrossEntropy,
                task == TaskKind.Text ? $"--loss {Loss}: --task text predicts token ids; use sparse-cross-entropy (the default)." : $"--loss {Loss} is for --task text (token ids as targets).");
            return chosen;
        }

        return Losses.Loss.Create(task switch
        {
            TaskKind.Binary => "binary-cross-entropy",
            TaskKind.Regression => "mse",
            TaskKind.Text => "sparse-cross-entropy",
            _ => "cross-entropy",
        });
    }

    /// <summary>The layers a text model gets when no <see cref="Architecture"/> is given.</summary>
    public const string DefaultTextArchitecture = "embedding(32) gru(128, return_sequences=true)";

    /// <summary>
    /// A new model for samples of <paramref name="inputShape"/> with <paramref name="outputs"/> outputs, initialized
    /// with <see cref="Seed"/>: the architecture (or, without one, a flatten for multi-dimensional samples and the
    /// hidden dense layers), a flatten if the stack still ends in more than one dimension, the output dense layer, and a
    /// softmax when a classifier's loss needs probabilities. For <see cref="TaskKind.Text"/>, <paramref name="outputs"/>
    /// is the vocabulary: an embedding left without one takes it, the stack must keep the steps ([steps, features]:
    /// a recurrent layer with return_sequences), and the output layer is a dense layer on every step.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The layers do not fit the samples or the task.</exception>
    public Sequential CreateModel(Tensors.Shape inputShape, int outputs, TaskKind task, ILoss loss)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        Initializer initializer = Initialization.Parse(Init);
        var model = new Sequential(inputShape);
        string? architecture = Architecture ?? (task == TaskKind.Text ? DefaultTextArchitecture : null);
        if (architecture is not null)
        {
            foreach (ArchitectureParser.LayerCall call in ArchitectureParser.Parse(architecture))
            {
                try
                {
                    Layer layer = WithInitializer(call, initializer);
                    if (layer is Embedding { Vocabulary: 0 } embedding && task == TaskKind.Text)
                    {
                        // the data's vocabulary (the characters of the training text)
                        layer = embedding.WithVocabulary(outputs);
                    }

                    model.Add(layer);
                }
                catch (ShapeMismatchException ex)
                {
                    throw new ShapeMismatchException($"--arch: {call.Text} (column {call.Column}): {ex.Message}", ex);
                }
            }
        }
        else
        {
            if (inputShape.Rank > 1)
            {
                model.Add(new Flatten());
            }

            foreach (int width in Hidden)
            {
                model.Add(new Dense(width, initializer));
                if (BatchNorm)
                {
                    model.Add(new Layers.BatchNorm());
                }

                model.Add(Layers.Activation.Create(Activation));
                if (Dropout > 0f)
                {
                    model.Add(new Layers.Dropout(Dropout));
                }
            }
        }

        if (task == TaskKind.Text)
        {
            // The next token at every step: the stack must still be [steps, features].
            if (model.OutputShape.Rank != 2 || model.OutputShape[0] != inputShape[0])
            {
                throw new ShapeMismatchException($"--task text predicts the next token at every step, so the layers must end in [batch, {inputShape[0]}, features] (a recurrent layer with return_sequences=true), but they end in [batch, {string.Join(", ", model.OutputShape.ToArray())}].");
            }
        }
        else if (model.OutputShape.Rank > 1)
        {
            model.Add(new Flatten());
        }

        model.Add(new Dense(outputs, initializer));
        if (task == TaskKind.Classification && loss is CategoricalCrossEntropy or MeanSquaredError)
        {
            model.Add(new Softmax());
        }

        model.Initialize(Seed);
        return model;
    }

    /// <summary>The call's layer, its initializer set to <paramref name="initializer"/> (<c>--init</c>) when the kind has
    /// one and the call left it at the default.</summary>
    private static Layer WithInitializer(ArchitectureParser.LayerCall call, Initializer initializer)
    {
        IReadOnlyDictionary<string, string> settings = call.Arguments.Values;
        if (initializer == Initializer.Default || !settings.TryGetValue("initializer", out string? given) || given != Initialization.NameOf(Initializer.Default))
        {
            return call.Create();
        }

        return call.Type.FromSettings(new Dictionary<string, string>(settings) { ["initializer"] = Initialization.NameOf(initializer) });
    }

    /// <summary>A new model for <paramref name="train"/>'s samples and task (see the other overload).</summary>
    public Sequential CreateModel(Dataset train, ILoss loss)
    {
        ArgumentNullException.ThrowIfNull(train);
        return CreateModel(train.SampleShape, train.Task == TaskKind.Text ? train.ClassCount : train.OutputCount, train.Task, loss);
    }

    /// <summary>A new optimizer over <paramref name="model"/>'s parameters.</summary>
    public IOptimizer CreateOptimizer(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Optimizers.Optimizer.Create(Optimizer, model.Parameters, EffectiveLearningRate, WeightDecay);
    }

    /// <summary>New training options (a new schedule and early-stopping callback) for <paramref name="trainingSamples"/>
    /// samples (the automatic batch size depends on it), with <paramref name="callbacks"/>. With <c>--epochs auto</c>
    /// the convergence rule is an <see cref="Training.EarlyStopping"/> on the loss with <see cref="Tolerance"/> and
    /// <see cref="NoImprovementEpochs"/>, so checkpoints save and resume it as any early stopping.</summary>
    public TrainingOptions CreateOptions(int trainingSamples, IReadOnlyList<ITrainingCallback>? callbacks = null) => new()
    {
        Epochs = EpochLimit,
        BatchSize = ResolveBatchSize(trainingSamples),
        Seed = Seed,
        Augmentation = Augment is null ? null : ImageAugmentation.Parse(Augment),
        L2 = L2,
        ClipNorm = ClipNorm,
        ClipValue = ClipValue,
        Schedule = LearningRateSchedule.Create(Schedule),
        EarlyStopping = EarlyStopping ? new Training.EarlyStopping(EffectiveMonitor, Patience, MinDelta)
            : StopsAtConvergence ? new Training.EarlyStopping(ValidationSplit > 0 ? "val_loss" : "loss", NoImprovementEpochs, Tolerance)
            : null,
        Callbacks = callbacks ?? [],
    };

    /// <summary>A new session for <paramref name="train"/>: model, loss, optimizer and options, all fresh.</summary>
    public TrainingSession CreateSession(Dataset train, IReadOnlyList<ITrainingCallback>? callbacks = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        Validate();
        Require(Augment is null || train.SampleShape.Rank == 3, $"--augment distorts images [channels, height, width], but the samples are {train.SampleShape}.");
        ILoss loss = CreateLoss(train.Task);
        Sequential model = CreateModel(train, loss);
        return new TrainingSession(model, loss, CreateOptimizer(model), CreateOptions(train.Count, callbacks));
    }

    /// <summary>The settings as named values in <c>nabla train</c>'s terms, for a report and the model file's
    /// <c>training_settings</c>: the architecture, loss (as <paramref name="loss"/> resolved it for the task),
    /// optimizer and learning rate, batches and epochs, initialization and seed, then each regularization or control
    /// that is on.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Describe(ILoss? loss = null)
    {
        var settings = new List<KeyValuePair<string, string>>();
        void Add(string name, string value) => settings.Add(new(name, value));
        if (Architecture is not null)
        {
            Add("arch", Architecture);
        }
        else
        {
            Add("layers", Hidden.Count == 0 ? "none" : string.Join(",", Hidden));
            Add("activation", Activation);
        }

        Add("loss", loss?.Name ?? Loss ?? "(from the task)");
        Add("optimizer", Optimizer);
        Add("lr", F(EffectiveLearningRate));
        if (Optimizer.Equals("adamw", StringComparison.OrdinalIgnoreCase))
        {
            Add("weight-decay", F(WeightDecay ?? 0.01f));
        }

        Add("batch-size", BatchSize switch { null => "auto", <= 0 => "full", { } size => size.ToString(CultureInfo.InvariantCulture) });
        Add("epochs", Epochs?.ToString(CultureInfo.InvariantCulture) ?? "auto");
        if (StopsAtConvergence)
        {
            Add("max-epochs", MaxEpochs.ToString(CultureInfo.InvariantCulture));
            Add("tol", F(Tolerance));
            Add("n-iter-no-change", NoImprovementEpochs.ToString(CultureInfo.InvariantCulture));
        }

        Add("init", Init);
        Add("seed", Seed.ToString(CultureInfo.InvariantCulture));
        Add("schedule", Schedule);
        if (ValidationSplit > 0)
        {
            Add("val-split", F(ValidationSplit));
        }

        if (Dropout > 0)
        {
            Add("dropout", F(Dropout));
        }

        if (BatchNorm)
        {
            Add("batch-norm", "true");
        }

        if (L2 > 0)
        {
            Add("l2", F(L2));
        }

        if (ClipNorm is { } norm)
        {
            Add("clip-norm", F(norm));
        }

        if (ClipValue is { } value)
        {
            Add("clip-value", F(value));
        }

        if (EarlyStopping)
        {
            Add("early-stopping", FormattableString.Invariant($"monitor {EffectiveMonitor}, patience {Patience}, min-delta {MinDelta}"));
        }

        if (Augment is not null)
        {
            Add("augment", Augment);
        }

        return settings;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    private static void RequireNonNegative(float? value, string option) =>
        Require(value is not { } v || (v >= 0 && float.IsFinite(v)), $"{option} must be a number ≥ 0, got {F(value ?? 0)}.");

    private static void RequirePositive(float? value, string option) =>
        Require(value is not { } v || (v > 0 && float.IsFinite(v)), $"{option} must be a positive number, got {F(value ?? 0)}.");

    private static void Named(string option, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException ex) when (!ex.Message.StartsWith(option, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{option}: {ex.Message}", ex);
        }
    }

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);
}
