using System.Globalization;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli;

/// <summary>Training data as the train command uses it: split, scaled, and described for the model file.</summary>
/// <param name="Train">Scaled training part.</param>
/// <param name="Validation">Scaled validation part, when asked for.</param>
/// <param name="Test">Scaled test part.</param>
/// <param name="Metadata">Classes, task, scaling and target statistics for the model file (loss filled in later).</param>
/// <param name="IsImage">Whether the data are 28×28-style images from IDX files.</param>
internal sealed record PreparedData(Dataset Train, Dataset? Validation, Dataset Test, ModelMetadata Metadata, bool IsImage)
{
    /// <summary>A forecasting run's series, windows and baselines (--task forecast).</summary>
    public ForecastPrepared? Forecast { get; init; }

    /// <summary>A language model's corpus and bigram baseline (--task text).</summary>
    public TextPrepared? Text { get; init; }
}

/// <summary>Loads an MNIST-layout folder or a CSV file and prepares it for training.</summary>
internal static class DataPreparation
{
    /// <summary>Pixel column names of an image model, as in Kaggle's MNIST CSV (pixel0 … pixel783).</summary>
    public static string[] PixelNames(int count) => Enumerable.Range(0, count).Select(i => $"pixel{i}").ToArray();

    public static PreparedData Prepare(string data, string? target, IReadOnlyList<string> drop, string? task, string scaling,
        double testSplit, double validationSplit, int seed)
    {
        if (DataLocator.IsImageFolder(data))
        {
            var (train, test) = DataLocator.LoadImages(data);
            var record = new TrainingDataRecord(data == DataLocator.BuiltIn ? TrainingDataRecord.BuiltIn : TrainingDataRecord.Folder,
                data == DataLocator.BuiltIn ? Mnist.BuiltInName : Path.GetFullPath(data), train.SampleShape.ToArray(), train.Count, test.Count,
                train.Fingerprint(), test.Fingerprint());
            Dataset? validation = null;
            if (validationSplit > 0)
            {
                (train, validation) = train.SplitValidation(validationSplit, seed);
            }

            var metadata = new ModelMetadata(Enumerable.Range(0, train.ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), Mnist.PixelScale, "")
            {
                ImageStyle = ImageStyle.Measure(train),
                TrainingData = record,
            };
            return new PreparedData(train, validation, test, metadata, IsImage: true);
        }

        if (!File.Exists(data))
        {
            throw new UsageException($"--data {data}: no such file or folder (give an MNIST-layout folder or a CSV file).");
        }

        if (!(testSplit >= 0 && testSplit < 1))
        {
            throw new UsageException($"--test-split must be in [0, 1) for a CSV file, got {testSplit}.");
        }

        CsvTable table = CsvLoader.Load(data, new CsvOptions { Target = target, Drop = drop });
        TabularData tabular = Tabular.FromTable(table, task is null ? null : Tabular.ParseTask(task));
        // --test-split 0 evaluates on the training data itself (the tutorials' XOR has only four rows).
        var (trainPart, testPart) = testSplit > 0 ? tabular.Data.SplitValidation(testSplit, seed) : (tabular.Data, tabular.Data);
        var csvRecord = new TrainingDataRecord(TrainingDataRecord.Csv, Path.GetFullPath(data), trainPart.SampleShape.ToArray(), trainPart.Count,
            testSplit > 0 ? testPart.Count : 0, trainPart.Fingerprint(), testSplit > 0 ? testPart.Fingerprint() : "")
        {
            FileSha256 = FileSha256(data),
            TestSplit = testSplit,
            Seed = seed,
        };
        Dataset? validationPart = null;
        if (validationSplit > 0)
        {
            (trainPart, validationPart) = trainPart.SplitValidation(validationSplit, seed + 1);
        }

        // Preprocessing is fitted on the training part only, then applied to every part (and stored in the model).
        Scaler scaler = Scaler.Fit(Scaler.ParseKind(scaling), trainPart.Features.Span, trainPart.Features.RowLength);
        foreach (Dataset part in new[] { trainPart, validationPart, testPart }.OfType<Dataset>().Distinct())
        {
            scaler.Apply(part.Features.Span);
        }

        double mean = 0, std = 1;
        if (tabular.Task == TaskKind.Regression)
        {
            // The target is standardized for training and mapped back for reports and predictions.
            ReadOnlySpan<float> y = trainPart.Targets.Span;
            mean = y.ToArray().Average(v => (double)v);
            std = Math.Sqrt(y.ToArray().Average(v => (v - mean) * (v - mean)));
            std = std > 0 ? std : 1;
            foreach (Dataset part in new[] { trainPart, validationPart, testPart }.OfType<Dataset>().Distinct())
            {
                Span<float> values = part.Targets.Span;
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)((values[i] - mean) / std);
                }
            }
        }

        var tabularMetadata = new ModelMetadata(tabular.ClassNames, 1f, "")
        {
            Task = tabular.Task,
            Scaler = scaler,
            FeatureNames = tabular.FeatureNames,
            TargetName = tabular.TargetName,
            TargetMean = mean,
            TargetStd = std,
            TrainingData = csvRecord,
        };
        return new PreparedData(trainPart, validationPart, testPart, tabularMetadata, IsImage: false);
    }

    /// <summary>SHA-256 of a file's bytes, lowercase hex.</summary>
    public static string FileSha256(string path)
    {
        using FileStream file = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
    }

    /// <summary>A labelled evaluation set for a saved model: the t10k files of an MNIST-layout folder (or of the
    /// built-in digits), or a CSV file whose columns are picked by the model's feature and target names. Features come
    /// back scaled as the model's training scaled them (the raw values too, for error reports), regression targets
    /// standardized as in training.</summary>
    public static (Dataset Data, Tensor RawFeatures) LoadForEvaluation(string data, ModelMetadata metadata, int inputs) =>
        Finish(LoadUnscaled(data, metadata, inputs), metadata);

    /// <summary>The labelled rows of <paramref name="data"/> as the file holds them: images as bytes (scaled to [0, 1]
    /// as batches are made, as in training), CSV features and regression targets not yet scaled, so that their
    /// fingerprints can be compared with the model's record before <see cref="Finish"/>.</summary>
    public static Dataset LoadUnscaled(string data, ModelMetadata metadata, int inputs)
    {
        if (DataLocator.IsImageFolder(data))
        {
            if (metadata.FeatureNames is not null)
            {
                throw new UsageException($"--data {DataLocator.Describe(data)}: this model was trained on CSV columns ({string.Join(", ", metadata.FeatureNames.Take(5))}, …); give a CSV file.");
            }

            return data == DataLocator.BuiltIn ? Mnist.LoadBuiltIn("t10k") : Mnist.Load(data, "t10k");
        }

        if (!File.Exists(data))
        {
            throw new UsageException($"--data {data}: no such file or folder.");
        }

        CsvTable table = CsvLoader.Load(data, new CsvOptions
        {
            Target = metadata.TargetName,
            FeatureNames = metadata.FeatureNames ?? PixelNames(inputs),
        });
        return Tabular.FromTable(table, metadata.Task, metadata.Task == TaskKind.Regression ? null : metadata.ClassNames).Data;
    }

    /// <summary>Scales what <see cref="LoadUnscaled"/> read as training scaled it, keeping the raw values.</summary>
    public static (Dataset Data, Tensor RawFeatures) Finish(Dataset data, ModelMetadata metadata)
    {
        if (data.IsCompact)
        {
            Tensor pixels = data.Features.Clone();
            TensorMath.Scale(1f / data.RawScale, pixels.Span);
            return (data, pixels);
        }

        Tensor raw = data.Features.Clone();
        metadata.ScaleInputs(data.Features.Span);
        if (metadata.Task == TaskKind.Regression)
        {
            Span<float> values = data.Targets.Span;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((values[i] - metadata.TargetMean) / metadata.TargetStd);
            }
        }

        return (data, raw);
    }
}
