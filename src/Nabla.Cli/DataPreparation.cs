using System.Globalization;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli;

/// <summary>How a CSV file is read and preprocessed: <c>nabla train</c>'s table options.</summary>
/// <param name="Target">--target.</param>
/// <param name="Drop">--drop.</param>
/// <param name="Task">--task (null: detected).</param>
/// <param name="Categorical">--categorical: columns read as categories.</param>
/// <param name="MissingValues">--missing-values: the cells that mean missing (besides empty ones).</param>
/// <param name="RefuseMissing">--missing error.</param>
/// <param name="Preprocessing">Imputation, encoding and scaling.</param>
internal sealed record TableSettings(string? Target, IReadOnlyList<string> Drop, string? Task, IReadOnlyList<string> Categorical,
    IReadOnlyList<string> MissingValues, bool RefuseMissing, PreprocessingOptions Preprocessing)
{
    /// <summary>The defaults: every column, task detected, missing cells imputed, standard scaling.</summary>
    public static TableSettings Default { get; } = new(null, [], null, [], CsvOptions.DefaultMissingValues, false, new PreprocessingOptions());

    /// <summary>The settings that differ from the defaults, in <c>nabla train</c>'s option names (for the model file's
    /// training settings and the command a search prints).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Describe()
    {
        var settings = new List<KeyValuePair<string, string>>();
        void Add(string name, string value) => settings.Add(new(name, value));
        if (Target is not null)
        {
            Add("target", Target);
        }

        if (Drop.Count > 0)
        {
            Add("drop", string.Join(",", Drop));
        }

        if (Task is not null)
        {
            Add("task", Task);
        }

        if (Categorical.Count > 0)
        {
            Add("categorical", string.Join(",", Categorical));
        }

        if (RefuseMissing)
        {
            Add("missing", "error");
        }

        if (!MissingValues.SequenceEqual(CsvOptions.DefaultMissingValues))
        {
            Add("missing-values", string.Join(",", MissingValues));
        }

        PreprocessingOptions defaults = new(), p = Preprocessing;
        foreach (string name in PreprocessingOptions.SettingNames)
        {
            string value = p.Setting(name);
            if (value != defaults.Setting(name))
            {
                Add(name, value);
            }
        }

        return settings;
    }
}

/// <summary>A data source loaded and split into the training part and the test part, before any preprocessing is
/// fitted: a CSV table (rows of <see cref="Table"/>) or an MNIST-layout folder (<see cref="ImageTrain"/>, its own
/// test set).</summary>
internal sealed record LoadedData(string Source, TabularData? Table, Dataset? ImageTrain, Dataset? ImageTest, int[] TrainRows, int[] TestRows, IReadOnlyList<string> Notes)
{
    /// <summary>The fraction of a CSV file's rows held out for the test (0: the test part is the training part).</summary>
    public double TestSplit { get; init; }

    /// <summary>The seed of the test split.</summary>
    public int Seed { get; init; }

    public bool IsImage => Table is null;

    /// <summary>The task of the data.</summary>
    public TaskKind Task => Table?.Task ?? ImageTrain!.Task;

    /// <summary>Whether the test part is the training part itself (--test-split 0).</summary>
    public bool TestsOnTraining => Table is not null && ReferenceEquals(TrainRows, TestRows);
}

/// <summary>Training data as the train command uses it: split, preprocessed, and described for the model file.</summary>
/// <param name="Train">Preprocessed training part.</param>
/// <param name="Validation">Preprocessed validation part, when asked for.</param>
/// <param name="Test">Preprocessed test part.</param>
/// <param name="Metadata">Classes, task, preprocessing and target statistics for the model file (loss filled in later).</param>
/// <param name="IsImage">Whether the data are 28×28-style images from IDX files.</param>
internal sealed record PreparedData(Dataset Train, Dataset? Validation, Dataset Test, ModelMetadata Metadata, bool IsImage)
{
    /// <summary>A forecasting run's series, windows and baselines (--task forecast).</summary>
    public ForecastPrepared? Forecast { get; init; }

    /// <summary>A language model's corpus and bigram baseline (--task text).</summary>
    public TextPrepared? Text { get; init; }

    /// <summary>What the user should know about the data before training (imputation, dropped rows, warnings), one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Missing cells imputed, over all parts.</summary>
    public long ImputedCells { get; init; }

    /// <summary>Rows dropped because their target was missing.</summary>
    public int DroppedRows { get; init; }

    /// <summary>Cells of the validation and test parts whose category the training part never had.</summary>
    public long UnknownCategories { get; init; }
}

/// <summary>Loads an MNIST-layout folder or a CSV file and prepares it for training.</summary>
internal static class DataPreparation
{
    /// <summary>What <c>--epochs auto</c> means for an image folder: the tutorials' 10 epochs (the built-in digits reach
    /// about 0.946 in under a second; convergence would take several times longer for about one point).</summary>
    public const int ImageEpochs = 10;

    /// <summary>What <c>--batch-size auto</c> means for an image folder.</summary>
    public const int ImageBatchSize = 64;

    /// <summary>The L2 penalty regression on a CSV file gets unless <c>--l2</c> is given: scikit-learn's Ridge default
    /// (α = 1). On small tables an unregularized MLP fits the noise of a continuous target (docs/BENCHMARKS.md: Ames
    /// R² 0.88 → 0.90 on the default split); classification keeps none (a four-row XOR cannot be learnt under it).</summary>
    public const float RegressionL2 = 1f;

    /// <summary>Pixel column names of an image model, as in Kaggle's MNIST CSV (pixel0 … pixel783).</summary>
    public static string[] PixelNames(int count) => Enumerable.Range(0, count).Select(i => $"pixel{i}").ToArray();

    /// <summary>Reads the data and splits off the test part (stratified, seeded by <paramref name="seed"/>; a CSV
    /// file only: an image folder's test part is its t10k files).</summary>
    public static LoadedData Load(string data, TableSettings table, double testSplit, int seed)
    {
        if (DataLocator.IsImageFolder(data))
        {
            var (train, test) = DataLocator.LoadImages(data);
            int[] all = Enumerable.Range(0, train.Count).ToArray();
            return new LoadedData(data, null, train, test, all, [], []);
        }

        if (!File.Exists(data))
        {
            throw new UsageException($"--data {data}: no such file or folder (give an MNIST-layout folder or a CSV file).");
        }

        if (!(testSplit >= 0 && testSplit < 1))
        {
            throw new UsageException($"--test-split must be in [0, 1) for a CSV file, got {testSplit}.");
        }

        CsvTable csv = CsvLoader.Load(data, new CsvOptions
        {
            Target = table.Target,
            Drop = table.Drop,
            Categorical = table.Categorical,
            MissingValues = table.MissingValues,
            AllowMissing = !table.RefuseMissing,
        });
        TabularData tabular = Tabular.FromTable(csv, table.Task is null ? null : Tabular.ParseTask(table.Task));
        // --test-split 0 evaluates on the training data itself (the tutorials' XOR has only four rows).
        int[] everything = Enumerable.Range(0, tabular.Count).ToArray();
        var (trainRows, testRows) = testSplit > 0 ? Splits.TrainTest(tabular.Count, tabular.Labels, testSplit, seed) : (everything, everything);
        return new LoadedData(data, tabular, null, null, trainRows, testRows, Describe(csv)) { TestSplit = testSplit, Seed = seed };
    }

    /// <summary>
    /// Splits off the validation part and fits the preprocessing on what is left of the training part — imputation,
    /// categories, scaling and the regression target's standardization are statistics of those rows only — then
    /// applies it to every part.
    /// </summary>
    public static PreparedData Prepare(LoadedData loaded, PreprocessingOptions options, double validationSplit, int seed)
    {
        if (loaded.IsImage)
        {
            Dataset train = loaded.ImageTrain!, test = loaded.ImageTest!;
            bool builtIn = loaded.Source == DataLocator.BuiltIn;
            var imageRecord = new TrainingDataRecord(builtIn ? TrainingDataRecord.BuiltIn : TrainingDataRecord.Folder,
                builtIn ? Mnist.BuiltInName : Path.GetFullPath(loaded.Source), train.SampleShape.ToArray(), train.Count, test.Count,
                train.Fingerprint(), test.Fingerprint());
            Dataset? validation = null;
            if (validationSplit > 0)
            {
                (train, validation) = train.SplitValidation(validationSplit, seed);
            }

            var images = new ModelMetadata(Enumerable.Range(0, train.ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), Mnist.PixelScale, "")
            {
                ImageStyle = ImageStyle.Measure(train),
                TrainingData = imageRecord,
            };
            return new PreparedData(train, validation, test, images, IsImage: true);
        }

        TabularData tabular = loaded.Table!;
        int[] fitRows = loaded.TrainRows, validationRows = [];
        if (validationSplit > 0)
        {
            int[]? labels = tabular.Labels is null ? null : fitRows.Select(r => tabular.Labels[r]).ToArray();
            var (rest, heldOut) = Splits.TrainTest(fitRows.Length, labels, validationSplit, seed + 1);
            (fitRows, validationRows) = (rest.Select(i => loaded.TrainRows[i]).ToArray(), heldOut.Select(i => loaded.TrainRows[i]).ToArray());
        }

        // Preprocessing is fitted on the training part only, then applied to every part (and stored in the model).
        TabularPreprocessor preprocessor = TabularPreprocessor.Fit(tabular, fitRows, options);
        Dataset trainPart = preprocessor.ToDataset(tabular, fitRows, out _);
        TransformReport? validationReport = null, testReport = null;
        Dataset? validationPart = validationRows.Length > 0 ? preprocessor.ToDataset(tabular, validationRows, out validationReport) : null;
        Dataset testPart = loaded.TestsOnTraining && validationRows.Length == 0 ? trainPart : preprocessor.ToDataset(tabular, loaded.TestRows, out testReport);
        if (loaded.TestsOnTraining)
        {
            testReport = null;
        }

        long unknown = 0;
        var notes = new List<string>(loaded.Notes);
        foreach (var (report, part) in new[] { (validationReport, "validation"), (testReport, "test") })
        {
            if (report is { UnknownCells: > 0 })
            {
                unknown += report.UnknownCells;
                notes.Add($"The {part} part has {report.UnknownCells} cell{(report.UnknownCells == 1 ? "" : "s")} with a category the training part lacks ({Unknowns(report)}); they go to the column's infrequent input, or to none.");
            }
        }

        notes.Add(Inputs(preprocessor));
        // What evaluate without --data finds again: the file (by its SHA-256) and its held-out rows (split as here,
        // then preprocessed as the model does, checked by fingerprint).
        bool hasTestRows = !loaded.TestsOnTraining;
        var record = new TrainingDataRecord(TrainingDataRecord.Csv, Path.GetFullPath(loaded.Source), trainPart.SampleShape.ToArray(), loaded.TrainRows.Length,
            hasTestRows ? testPart.Count : 0, trainPart.Fingerprint(), hasTestRows ? testPart.Fingerprint() : "")
        {
            FileSha256 = FileSha256(loaded.Source),
            TestSplit = loaded.TestSplit,
            Seed = loaded.Seed,
        };
        var metadata = new ModelMetadata(tabular.ClassNames, 1f, "")
        {
            Task = tabular.Task,
            Preprocessor = preprocessor,
            Scaler = preprocessor.Scaler,
            FeatureNames = preprocessor.InputNames,
            TargetName = tabular.TargetName,
            TargetMean = preprocessor.TargetMean,
            TargetStd = preprocessor.TargetStd,
            TrainingData = record,
        };
        return new PreparedData(trainPart, validationPart, testPart, metadata, IsImage: false)
        {
            Notes = notes,
            ImputedCells = tabular.Table.MissingCells,
            DroppedRows = tabular.Table.MissingTargetRows,
            UnknownCategories = unknown,
        };
    }

    /// <summary>"Inputs: 4 numeric columns, 2 categorical (one-hot: 5 inputs) → 9 network inputs."</summary>
    public static string Inputs(TabularPreprocessor preprocessor)
    {
        int numeric = preprocessor.Columns.Count(c => c is NumericEncoder);
        var oneHot = preprocessor.Columns.OfType<OneHotEncoder>().ToArray();
        var hashed = preprocessor.Columns.OfType<HashEncoder>().ToArray();
        var parts = new List<string> { $"{numeric} numeric column{(numeric == 1 ? "" : "s")}" };
        if (oneHot.Length > 0)
        {
            parts.Add($"{oneHot.Length} one-hot ({oneHot.Sum(c => c.Width)} inputs)");
        }

        if (hashed.Length > 0)
        {
            parts.Add($"{hashed.Length} hashed ({string.Join(", ", hashed.Take(4).Select(c => CsvLoader.Show(c.Name)))}{(hashed.Length > 4 ? ", …" : "")}: {hashed.Sum(c => c.Width)} inputs)");
        }

        return $"Inputs: {string.Join(", ", parts)} → {preprocessor.OutputWidth} network inputs (nabla summary lists each column).";
    }

    /// <summary>Notes on the table as read: imputed cells, dropped rows, suspicious columns.</summary>
    private static List<string> Describe(CsvTable table)
    {
        var notes = new List<string>();
        if (table.MissingTargetRows > 0)
        {
            notes.Add($"Dropped {table.MissingTargetRows} row{(table.MissingTargetRows == 1 ? "" : "s")} whose target '{CsvLoader.Show(table.TargetName ?? "")}' is missing (the first at line {table.FirstMissingTargetLine}); --missing error refuses them instead.");
        }

        long missing = table.MissingCells;
        if (missing > 0)
        {
            var columns = table.Columns.Where(c => c.MissingCount > 0).OrderByDescending(c => c.MissingCount).ToArray();
            string shown = string.Join(", ", columns.Take(5).Select(c => $"{CsvLoader.Show(c.Name)} {c.MissingCount}")) + (columns.Length > 5 ? $", … {columns.Length} columns" : "");
            notes.Add($"Imputing {missing} missing cell{(missing == 1 ? "" : "s")} ({shown}) from the training part: median for numbers, a (missing) category for text; --missing error refuses them instead.");
        }

        foreach (CsvColumn column in table.Columns.Where(c => c.Kind == ColumnKind.Categorical && !c.Declared))
        {
            int present = table.Rows - column.MissingCount;
            if (column.Levels.Count > 64 && column.Levels.Count >= 0.9 * present)
            {
                notes.Add($"Warning: column '{CsvLoader.Show(column.Name)}' has {column.Levels.Count} distinct values in {present} rows: an identifier? (--drop {CsvLoader.Show(column.Name)})");
            }
        }

        return notes;
    }

    private static string Unknowns(TransformReport report) =>
        string.Join(", ", report.UnknownByColumn.OrderByDescending(p => p.Value).Take(4).Select(p =>
            $"{CsvLoader.Show(p.Key)}: {string.Join(", ", report.UnknownExamples.GetValueOrDefault(p.Key, []).Select(e => $"'{CsvLoader.Show(e)}'"))}"));

    /// <summary>The CSV options that read a file as <paramref name="metadata"/>'s model needs it: its columns by name,
    /// its categorical columns as categories, the others strictly as numbers, the missing-value markers of training.</summary>
    public static CsvOptions ReadOptions(ModelMetadata metadata, int inputs, bool targetRequired)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        TabularPreprocessor? preprocessor = metadata.Preprocessor;
        return new CsvOptions
        {
            Target = targetRequired ? metadata.TargetName : null,
            TargetRequired = targetRequired,
            FeatureNames = metadata.FeatureNames ?? PixelNames(inputs),
            Categorical = preprocessor?.CategoricalColumns ?? [],
            DetectCategorical = false,
            MissingValues = preprocessor?.MissingValues ?? [],
            AllowMissing = preprocessor is { RefuseMissing: false },
        };
    }

    /// <summary>The model's inputs for every row of <paramref name="table"/>: the preprocessing, or (older models and
    /// pixels) the scaling alone. <paramref name="report"/> counts imputed cells and unknown categories.</summary>
    public static Tensor Inputs(CsvTable table, ModelMetadata metadata, out TransformReport? report)
    {
        report = null;
        if (metadata.Preprocessor is { } preprocessor)
        {
            return preprocessor.Transform(table, out report);
        }

        var samples = new Tensor(table.NumericMatrix(), new Shape(table.Rows, table.Columns.Count));
        metadata.ScaleInputs(samples.Span);
        return samples;
    }

    /// <summary>SHA-256 of a file's bytes, lowercase hex.</summary>
    public static string FileSha256(string path)
    {
        using FileStream file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }

    /// <summary>A labelled evaluation set for a saved model: the t10k files of an MNIST-layout folder (or of the
    /// built-in digits; kept as bytes, so that their fingerprint can be compared with the model's record), or a CSV file
    /// whose columns are picked by the model's feature and target names. Features come back preprocessed as the model's
    /// training did (the raw rows too, for error reports), regression targets standardized as in training.</summary>
    public static (Dataset Data, RawRows Raw, IReadOnlyList<string> Notes) LoadForEvaluation(string data, ModelMetadata metadata, int inputs)
    {
        if (DataLocator.IsImageFolder(data))
        {
            if (metadata.FeatureNames is not null)
            {
                throw new UsageException($"--data {DataLocator.Describe(data)}: this model was trained on CSV columns ({string.Join(", ", metadata.FeatureNames.Take(5))}, …); give a CSV file.");
            }

            Dataset test = data == DataLocator.BuiltIn ? Mnist.LoadBuiltIn("t10k") : Mnist.Load(data, "t10k");
            float scale = test.IsCompact ? test.RawScale : Mnist.PixelScale;
            Tensor pixels = test.Features.Clone();
            TensorMath.Scale(1f / scale, pixels.Span);
            return (test, new RawRows(pixels), []);
        }
        if (!File.Exists(data))
        {
            throw new UsageException($"--data {data}: no such file or folder.");
        }

        CsvTable table = CsvLoader.Load(data, ReadOptions(metadata, inputs, targetRequired: true));
        TabularData tabular = Tabular.FromTable(table, metadata.Task, metadata.Task == TaskKind.Regression ? null : metadata.ClassNames);
        Tensor features = Inputs(table, metadata, out TransformReport? report);
        Dataset dataset;
        if (tabular.Values is { } values)
        {
            var targets = new Tensor(values.Length, 1);
            for (int i = 0; i < values.Length; i++)
            {
                targets[i] = (float)((values[i] - metadata.TargetMean) / metadata.TargetStd);
            }

            dataset = Dataset.Regression(features, targets);
        }
        else
        {
            dataset = tabular.Task == TaskKind.Binary ? Dataset.Binary(features, tabular.Labels!) : new Dataset(features, tabular.Labels!, tabular.ClassNames.Count);
        }

        var notes = new List<string>();
        if (table.MissingTargetRows > 0)
        {
            notes.Add($"Left out {table.MissingTargetRows} row{(table.MissingTargetRows == 1 ? "" : "s")} whose target is missing (the first at line {table.FirstMissingTargetLine}).");
        }

        if (report?.Describe() is { } line)
        {
            notes.Add($"Preprocessing {line}.");
        }

        return (dataset, new RawRows(table), notes);
    }
}
