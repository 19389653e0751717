using System.CommandLine;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Optimizers;
using Nabla.Schedules;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>The options of <c>nabla train</c> that define the data and the run — shared by <c>nabla search</c>,
/// which takes them as its fixed settings — and how they become a <see cref="TrainingRecipe"/> and
/// <see cref="TableSettings"/>.</summary>
internal sealed class TrainOptionSet
{
    public Option<string?> Data { get; } = new("--data") { Description = "A folder with the four MNIST-layout IDX files (default: the built-in data/mnist-10k), or a CSV file." };

    public Option<string?> Target { get; } = new("--target") { Description = "CSV: the target column, by name or 0-based index (default: a column named label, target or class, else the last)." };

    public Option<string[]> Drop { get; } = new("--drop") { Description = "CSV: columns to ignore (id-like), by name or index; repeat or separate with commas.", AllowMultipleArgumentsPerToken = true };

    public Option<string?> Task { get; } = new("--task") { Description = "classification, binary or regression for a CSV file (default: detected from the target); forecast for a time series CSV (with --window); text for a file of lines (a character-level language model)." };

    public Option<int?> Window { get; } = new("--window") { Description = "Forecast: past steps per input window (required with --task forecast)." };

    public Option<int?> Horizon { get; } = new("--horizon") { Description = "Forecast: steps to forecast after each window (default 1)." };

    public Option<int?> Season { get; } = new("--season") { Description = "Forecast: season length in steps, for the seasonal naive baseline (e.g. 11 for yearly sunspots, 7 for daily data)." };

    public Option<string?> Date { get; } = new("--date") { Description = "Forecast: the date column, or none (default: a column named date, year, time, …, or of dates)." };

    public Option<double> TestSplit { get; } = new("--test-split") { Description = "CSV: fraction held out as the test set (stratified for classification); 0 tests on the training data.", DefaultValueFactory = _ => 0.2 };

    public Option<string[]> Categorical { get; } = new("--categorical") { Description = "CSV: columns to read as categories even though their cells are numbers (codes such as zip); by name or index, comma-separated. Text columns are categories anyway.", AllowMultipleArgumentsPerToken = true };

    public Option<string> Missing { get; } = new("--missing") { Description = "CSV: impute (missing cells get statistics of the training part; rows with a missing target are dropped; both are reported) or error (the first missing cell is an error).", DefaultValueFactory = _ => "impute" };

    public Option<string?> MissingValues { get; } = new("--missing-values") { Description = "CSV: the cells that mean 'missing', comma-separated (an empty cell always does; default: NA,N/A,NaN,nan,?,null,NULL)." };

    public Option<bool> MissingIndicator { get; } = new("--missing-indicator") { Description = "CSV: add a 0/1 input after each numeric column that had missing cells in training." };

    public Option<string> Impute { get; } = new("--impute") { Description = "CSV: a missing number becomes the training part's median or mean.", DefaultValueFactory = _ => "median" };

    public Option<string> ImputeCategorical { get; } = new("--impute-categorical") { Description = "CSV: a missing category becomes a category of its own (missing) or the most frequent one (most-frequent).", DefaultValueFactory = _ => "missing" };

    public Option<string> Encoding { get; } = new("--encoding") { Description = "CSV: categorical columns as one-hot inputs, hashed into --hash-buckets inputs, or auto (one-hot up to --max-onehot categories, hashing beyond).", DefaultValueFactory = _ => "auto" };

    public Option<int> MaxOneHot { get; } = new("--max-onehot") { Description = "CSV: --encoding auto hashes columns with more categories than this.", DefaultValueFactory = _ => 64 };

    public Option<int> HashBuckets { get; } = new("--hash-buckets") { Description = "CSV: inputs per hashed column.", DefaultValueFactory = _ => 32 };

    public Option<int> MinFrequency { get; } = new("--min-frequency") { Description = "CSV: one-hot categories with fewer training rows share an (infrequent) input, which also takes categories unseen in training.", DefaultValueFactory = _ => 1 };

    public Option<string> Scaling { get; } = new("--scale") { Description = "CSV: scaling of numeric columns, fitted on the training part: standard, minmax or none.", DefaultValueFactory = _ => "standard" };

    public Option<string> Layers { get; } = new("--layers") { Description = "Hidden layer widths, comma-separated (e.g. 512,512): the shorthand for dense networks.", DefaultValueFactory = _ => "128" };

    public Option<string?> Arch { get; } = new("--arch") { Description = "Any layer stack before the output layer, e.g. \"conv2d(32,3) relu maxpool(2) flatten dropout(0.5)\" (layers: " + string.Join(", ", LayerRegistry.Types.Select(t => t.Name)) + "); the output layer is added from the data." };

    public Option<string> Activation { get; } = new("--activation") { Description = "Hidden activation: " + string.Join(", ", Nabla.Layers.Activation.Names.Where(n => n != "softmax")) + ".", DefaultValueFactory = _ => "relu" };

    public Option<string?> Loss { get; } = new("--loss") { Description = "Loss: " + string.Join(", ", Losses.Loss.Names) + " (default: cross-entropy; binary-cross-entropy or mse for binary and regression CSV targets)." };

    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "Optimizer: " + string.Join(", ", Optimizers.Optimizer.Names) + ".", DefaultValueFactory = _ => "adam" };

    public Option<float?> LearningRate { get; } = new("--lr") { Description = "Learning rate (default 0.001 for adam, adamw and rmsprop, 0.01 otherwise)." };

    public Option<string> Epochs { get; } = new("--epochs") { Description = "Passes over the training data, or auto: until the loss (val_loss with --val-split) has not improved by --tol for --n-iter-no-change epochs, at most --max-epochs, keeping the best weights (scikit-learn's rule); on an image folder auto is 10 epochs.", DefaultValueFactory = _ => "auto" };

    public Option<int> MaxEpochs { get; } = new("--max-epochs") { Description = "--epochs auto: the most epochs.", DefaultValueFactory = _ => 200 };

    public Option<double> Tolerance { get; } = new("--tol") { Description = "--epochs auto: the smallest improvement of the loss that counts.", DefaultValueFactory = _ => 1e-4 };

    public Option<int> NoImprovement { get; } = new("--n-iter-no-change") { Description = "--epochs auto: stop after this many epochs without such an improvement.", DefaultValueFactory = _ => 10 };

    public Option<string> BatchSize { get; } = new("--batch-size") { Description = "Samples per step, 'full' for full-batch gradient descent, or auto: samples/16 within [32, 200] for a CSV file (at most the samples), 64 for an image folder.", DefaultValueFactory = _ => "auto" };

    public Option<string> Init { get; } = new("--init") { Description = "Weight initializer: " + string.Join(", ", Initialization.Names) + ".", DefaultValueFactory = _ => "default" };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for initialization, shuffling and the splits.", DefaultValueFactory = _ => 0 };

    public Option<double> ValidationSplit { get; } = new("--val-split") { Description = "Fraction of the training data held out for validation (0 = none).", DefaultValueFactory = _ => 0 };

    public Option<string?> Augment { get; } = new("--augment") { Description = "Images: random distortions of each training sample, e.g. shift=2,rotate=10,scale=0.1 (pixels, degrees, zoom fraction), drawn from --seed, the step and the sample." };

    public Option<float> Dropout { get; } = new("--dropout") { Description = "Dropout rate after each hidden activation (0 = none).", DefaultValueFactory = _ => 0f };

    public Option<bool> BatchNorm { get; } = new("--batch-norm") { Description = "Batch normalization between each hidden dense layer and its activation." };

    public Option<float?> L2 { get; } = new("--l2") { Description = "L2 penalty α on weights: scikit-learn's alpha for every loss (for regression, on the standardized target; default 1 for regression on a CSV file, as scikit-learn's Ridge, else 0)." };

    public Option<float?> WeightDecay { get; } = new("--weight-decay") { Description = "Decoupled weight decay for adamw (default 0.01)." };

    public Option<float?> ClipNorm { get; } = new("--clip-norm") { Description = "Rescale gradients to at most this global L2 norm." };

    public Option<float?> ClipValue { get; } = new("--clip-value") { Description = "Clamp every gradient value to [-v, v]." };

    public Option<string> Schedule { get; } = new("--schedule") { Description = "Learning-rate schedule: " + string.Join(", ", LearningRateSchedule.Names) + ".", DefaultValueFactory = _ => "constant" };

    public Option<bool> EarlyStopping { get; } = new("--early-stopping") { Description = "Stop when the monitored metric stops improving; keep the best weights." };

    public Option<string> Monitor { get; } = new("--monitor") { Description = "Metric for early stopping: val_loss, val_accuracy, loss, accuracy (default val_loss with a validation split, else loss)." };

    public Option<int> Patience { get; } = new("--patience") { Description = "Epochs without improvement before early stopping.", DefaultValueFactory = _ => 5 };

    public Option<double> MinDelta { get; } = new("--min-delta") { Description = "Smallest change that counts as an improvement.", DefaultValueFactory = _ => 0 };

    /// <summary>The options that only make sense for a CSV file.</summary>
    public IReadOnlyList<Option> TableOnly =>
        [Target, Drop, Task, TestSplit, Categorical, Missing, MissingValues, MissingIndicator, Impute, ImputeCategorical, Encoding, MaxOneHot, HashBuckets, MinFrequency, Scaling];

    /// <summary>The options of the training recipe.</summary>
    public IReadOnlyList<Option> RecipeOptions =>
        [Layers, Arch, Activation, Loss, Optimizer, LearningRate, Epochs, MaxEpochs, Tolerance, NoImprovement, BatchSize, Init, Seed, ValidationSplit,
         Augment, Dropout, BatchNorm, L2, WeightDecay, ClipNorm, ClipValue, Schedule, EarlyStopping, Monitor, Patience, MinDelta];

    /// <summary>Every option of the set.</summary>
    public IReadOnlyList<Option> All => [Data, .. TableOnly, .. SequenceOnly, .. RecipeOptions];

    /// <summary>The options of --task forecast.</summary>
    public IReadOnlyList<Option> SequenceOnly => [Window, Horizon, Season, Date];

    /// <summary>The forecasting options as given.</summary>
    public SequenceOptions CreateSequenceOptions(ParseResult parse) =>
        new(parse.GetValue(Window), parse.GetValue(Horizon), parse.GetValue(Season), parse.GetValue(Date));

    /// <summary>The recipe the options describe.</summary>
    /// <exception cref="UsageException">A value the option does not take.</exception>
    public TrainingRecipe CreateRecipe(ParseResult parse)
    {
        if (parse.GetResult(Arch) is { Implicit: false } && parse.GetResult(Layers) is { Implicit: false })
        {
            throw new UsageException("--arch and --layers both describe the hidden layers; give one.");
        }

        return Usage(() => new TrainingRecipe
        {
            Architecture = parse.GetValue(Arch), Hidden = TrainingRecipe.ParseLayers(parse.GetValue(Layers)!), Activation = parse.GetValue(Activation)!,
            Loss = parse.GetValue(Loss), Optimizer = parse.GetValue(Optimizer)!, LearningRate = parse.GetValue(LearningRate),
            WeightDecay = parse.GetValue(WeightDecay), Epochs = TrainingRecipe.ParseEpochs(parse.GetValue(Epochs)!), MaxEpochs = parse.GetValue(MaxEpochs),
            Tolerance = parse.GetValue(Tolerance), NoImprovementEpochs = parse.GetValue(NoImprovement), BatchSize = TrainingRecipe.ParseBatchSize(parse.GetValue(BatchSize)!),
            Init = parse.GetValue(Init)!, Seed = parse.GetValue(Seed), Dropout = parse.GetValue(Dropout), BatchNorm = parse.GetValue(BatchNorm),
            L2 = parse.GetValue(L2) ?? 0f, ClipNorm = parse.GetValue(ClipNorm), ClipValue = parse.GetValue(ClipValue), Schedule = parse.GetValue(Schedule)!,
            EarlyStopping = parse.GetValue(EarlyStopping), Monitor = parse.GetValue(Monitor), Patience = parse.GetValue(Patience),
            MinDelta = parse.GetValue(MinDelta), ValidationSplit = parse.GetValue(ValidationSplit), Augment = parse.GetValue(Augment),
        });
    }

    /// <summary>
    /// <paramref name="recipe"/> with the defaults that depend on the data: on an image folder <c>--epochs auto</c> is
    /// <see cref="DataPreparation.ImageEpochs"/> epochs and <c>--batch-size auto</c> is
    /// <see cref="DataPreparation.ImageBatchSize"/> (the tutorials' run, 0.946 on the built-in digits); on a CSV file
    /// <c>--l2</c> defaults to <see cref="DataPreparation.RegressionL2"/> for regression.
    /// </summary>
    public TrainingRecipe ForData(TrainingRecipe recipe, ParseResult parse, LoadedData data) => data.IsImage
        ? recipe with { Epochs = recipe.Epochs ?? DataPreparation.ImageEpochs, BatchSize = recipe.BatchSize ?? DataPreparation.ImageBatchSize }
        : parse.GetValue(L2) is null && data.Task == TaskKind.Regression ? recipe with { L2 = DataPreparation.RegressionL2 } : recipe;

    /// <summary>How the CSV file is read and preprocessed.</summary>
    /// <exception cref="UsageException">A value the option does not take.</exception>
    public TableSettings CreateTableSettings(ParseResult parse)
    {
        string missing = parse.GetValue(Missing)!.ToLowerInvariant();
        if (missing is not ("impute" or "error"))
        {
            throw new UsageException($"--missing takes impute or error, got '{parse.GetValue(Missing)}'.");
        }

        PreprocessingOptions preprocessing = Usage(() => new PreprocessingOptions
        {
            Scaling = Scaler.ParseKind(parse.GetValue(Scaling)!),
            NumericImputation = PreprocessingOptions.ParseNumericImputation(parse.GetValue(Impute)!),
            CategoricalImputation = PreprocessingOptions.ParseCategoricalImputation(parse.GetValue(ImputeCategorical)!),
            MissingIndicator = parse.GetValue(MissingIndicator),
            Encoding = PreprocessingOptions.ParseEncoding(parse.GetValue(Encoding)!),
            MaxOneHotCategories = parse.GetValue(MaxOneHot),
            HashBuckets = parse.GetValue(HashBuckets),
            MinFrequency = parse.GetValue(MinFrequency),
        });
        Usage(() =>
        {
            preprocessing.Validate();
            return 0;
        });
        string? markers = parse.GetValue(MissingValues);
        return new TableSettings(parse.GetValue(Target), List(parse.GetValue(Drop)), parse.GetValue(Task), List(parse.GetValue(Categorical)),
            markers is null ? CsvOptions.DefaultMissingValues : markers.Split(',', StringSplitOptions.TrimEntries).Where(m => m.Length > 0).Distinct().ToArray(),
            missing == "error", preprocessing);
    }

    /// <summary>The first CSV-only option given on the command line, or null.</summary>
    public string? GivenTableOption(ParseResult parse) => GivenTableOptions(parse).FirstOrDefault();

    /// <summary>Every CSV-only option given on the command line, in <see cref="TableOnly"/>'s order.</summary>
    public IReadOnlyList<string> GivenTableOptions(ParseResult parse) =>
        TableOnly.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();

    private static string[] List(string[]? values) =>
        (values ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    private static T Usage<T>(Func<T> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }
}
