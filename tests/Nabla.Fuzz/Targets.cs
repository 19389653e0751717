using System.Buffers.Binary;
using System.Text;
using Nabla.Cli;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Schedules;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Fuzz;

/// <summary>One loader under test: its valid seed files, how to mutate them, and how to load a file.</summary>
/// <param name="Name">model, checkpoint, idx, csv or image.</param>
/// <param name="Seeds">Valid files (name, bytes); the name gives the extension a case is written with.</param>
/// <param name="Mutate">Mutates a seed's bytes.</param>
/// <param name="Load">Loads a case: (folder, file path, index of its seed, random for the loader's options).</param>
public sealed record FuzzTarget(string Name, IReadOnlyList<(string Name, byte[] Bytes)> Seeds, Func<Random, byte[], byte[]> Mutate, Action<string, string, int, Random> Load);

/// <summary>A damaged file loaded as a different model (a defect: the checksums should have caught it).</summary>
public sealed class ChangedMeaningException(string message) : Exception(message);

/// <summary>The five loaders and their seeds, generated here (no data files).</summary>
public static class Targets
{
    /// <summary>The target names, as the command line takes them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["model", "checkpoint", "idx", "csv", "image", "model-raw"];

    /// <summary>Creates a target; <paramref name="folder"/> is a scratch folder for building seeds.</summary>
    public static FuzzTarget Create(string name, string folder) => name switch
    {
        "model" => Model(folder),
        "model-raw" => ModelRaw(folder),
        "checkpoint" => CheckpointTarget(folder),
        "idx" => Idx(),
        "csv" => Csv(),
        "image" => Image(),
        _ => throw new ArgumentException($"Unknown target '{name}'; targets are {string.Join(", ", Names)}."),
    };

    private static FuzzTarget Model(string folder)
    {
        var seeds = new List<(string, byte[])>();
        foreach (var (name, model, metadata) in SeedModels())
        {
            string path = Path.Combine(folder, name + ".nabla");
            ModelFile.Save(path, model, metadata);
            byte[] bytes = File.ReadAllBytes(path);
            seeds.Add((name + ".nabla", bytes));
            seeds.Add((name + "-v1.nabla", Mutator.ToVersion1(bytes)));
        }

        return new FuzzTarget("model", seeds, Mutator.ModelFile, (_, path, _, _) => UseModel(ModelFile.LoadWithExtras(path).Model, ModelFile.Load(path).Metadata));
    }

    /// <summary>Version 2 files damaged without resealing (bit flips, byte edits, truncation, insertion, header text
    /// edits): a file that still loads must mean exactly what the seed meant — saved again, it gives the seed's bytes.</summary>
    private static FuzzTarget ModelRaw(string folder)
    {
        var seeds = new List<(string, byte[])>();
        foreach (var (name, model, metadata) in SeedModels())
        {
            string path = Path.Combine(folder, name + ".nabla");
            ModelFile.Save(path, model, metadata);
            seeds.Add((name + ".nabla", File.ReadAllBytes(path)));
        }

        return new FuzzTarget("model-raw", seeds, (random, bytes) =>
        {
            if (random.Next(2) == 0)
            {
                return Mutator.Generic(random, bytes);
            }

            var (header, data) = Mutator.SplitModel(bytes);
            var text = new List<byte>(Encoding.UTF8.GetBytes(header));
            Mutator.MutateText(random, text);
            return Mutator.JoinModel([.. text], data, resealHeader: false, resealData: false);
        }, (caseFolder, path, seed, _) =>
        {
            var (model, metadata) = ModelFile.Load(path);
            string again = Path.Combine(caseFolder, "again.nabla");
            ModelFile.Save(again, model, metadata);
            if (!File.ReadAllBytes(again).AsSpan().SequenceEqual(seeds[seed].Item2))
            {
                throw new ChangedMeaningException($"{path}: loaded, but not as the model it was made from.");
            }
        });
    }

    /// <summary>What predict does with a loaded model: scale a row, run it, name the best class (and describe the
    /// preprocessing, as summary does).</summary>
    private static void UseModel(Sequential model, ModelMetadata metadata)
    {
        var input = new Tensor([2, .. model.InputShape.ToArray()]);
        metadata.ScaleInputs(input.Span);
        if (metadata.Preprocessor is { } preprocessor)
        {
            GC.KeepAlive(preprocessor.Describe());
            GC.KeepAlive(preprocessor.OutputNames);
        }

        Tensor output = model.PredictProbabilities(input);
        if (metadata.Task == TaskKind.Classification)
        {
            _ = metadata.ClassNames[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output.Row(0))];
        }
        else if (metadata.Task == TaskKind.Binary)
        {
            _ = metadata.ClassNames[output.Row(0)[0] > 0.5f ? 1 : 0];
        }
        else if (metadata.Task == TaskKind.Text)
        {
            // what nabla generate does: lines drawn from the vocabulary, fed back as ids
            var generator = new TextGenerator(model, metadata.ClassNames);
            _ = generator.Sample(2, 0.8f, generator.MaxLength > 1 ? metadata.ClassNames[^1] : "", seed: 1);
        }
    }

    private static IEnumerable<(string, Sequential, ModelMetadata)> SeedModels()
    {
        var digits = new Sequential(1, 4, 4).Add(new Flatten()).Add(new Dense(8)).Add(new ReLU()).Add(new Dense(4));
        digits.Initialize(seed: 1);
        digits.OutputTransform = OutputTransform.Softmax;
        yield return ("digits", digits, new ModelMetadata(["0", "1", "2", "3"], Mnist.PixelScale, "cross-entropy"));

        var binary = new Sequential(5).Add(new Dense(6)).Add(new BatchNorm()).Add(new LeakyReLU(0.1f)).Add(new Dropout(0.2f)).Add(new Dense(1));
        binary.Initialize(seed: 2);
        binary.OutputTransform = OutputTransform.Sigmoid;
        yield return ("binary", binary, new ModelMetadata(["no", "yes"], 1f, "binary-cross-entropy")
        {
            Task = TaskKind.Binary,
            FeatureNames = ["a", "b", "c", "d", "e"],
            TargetName = "label",
            Scaler = new Scaler(ScalingKind.Standard, [1, 2, 3, 4, 5], [0.5f, 1, 2, 1, 1]),
        });

        var regression = new Sequential(3).Add(new Dense(4, Initializers.Initializer.HeNormal)).Add(new Tanh()).Add(new Dense(1));
        regression.Initialize(seed: 3);
        yield return ("regression", regression, new ModelMetadata([], 1f, "mse")
        {
            Task = TaskKind.Regression,
            FeatureNames = ["x", "y", "z"],
            TargetName = "price",
            TargetMean = 12.5,
            TargetStd = 3.25,
            Scaler = new Scaler(ScalingKind.MinMax, [0, 0, 0], [1, 0.5f, 0.25f]),
            // the training history and settings that nabla train stores (nested JSON in two more metadata strings)
            History = TrainingHistory.FromJson("""{"epochs":[{"epoch":1,"loss":0.9,"accuracy":null,"val_loss":1.1,"val_accuracy":null,"learning_rate":0.01},{"epoch":2,"loss":0.5,"accuracy":null,"val_loss":0.7,"val_accuracy":null,"learning_rate":0.005}],"best_epoch":2,"stopped_early":true,"cancelled":false}"""),
            TrainingSettings = [new("data", "houses.csv"), new("layers", "4"), new("lr", "0.01")],
        });

        // a forecasting model (--task forecast): a window of 6 steps of 2 columns through a GRU, 2 steps ahead
        var forecast = new Sequential(6, 2).Add(new Gru(4)).Add(new Dense(2));
        forecast.Initialize(seed: 4);
        yield return ("forecast", forecast, new ModelMetadata([], 1f, "mse")
        {
            Task = TaskKind.Regression,
            TargetName = "sales",
            TargetMean = 20,
            TargetStd = 4,
            Scaler = new Scaler(ScalingKind.Standard, new float[12], Enumerable.Repeat(0.5f, 12).ToArray()),
            Forecast = new ForecastSettings(6, 2, 3, ["sales", "price"], "date"),
        });

        // a character-level language model (--task text): 5 positions of ids, embedding, LSTM on every step
        var text = new Sequential(5).Add(new Embedding(4, 3)).Add(new Lstm(4, returnSequences: true)).Add(new SimpleRnn(3, returnSequences: true)).Add(new Dense(4));
        text.Initialize(seed: 5);
        text.OutputTransform = OutputTransform.Softmax;
        yield return ("text", text, new ModelMetadata(["\n", "a", "b", "c"], 1f, "sparse-cross-entropy") { Task = TaskKind.Text });

        // A table with a numeric column (imputed, with an indicator), a one-hot column (missing and infrequent
        // inputs) and a hashed one: 2 + 4 + 3 inputs.
        ColumnEncoder[] columns =
        [
            new NumericEncoder("size", 2, NumericImputation.Median, 3.5f, indicator: true),
            new OneHotEncoder("color", 1, ["blue", "red"], CategoricalImputation.MissingCategory, missingSlot: true, infrequent: ["green"], mostFrequent: null),
            new HashEncoder("zip", 0, 3, CategoricalImputation.MostFrequent, missingSlot: false, mostFrequentBucket: 1, categoriesInTraining: 40),
        ];
        var preprocessor = new TabularPreprocessor(columns, new Scaler(ScalingKind.Standard, [3.25f, 0, 0, 0, 0, 0, 0, 0, 0], [0.5f, 1, 1, 1, 1, 1, 1, 1, 1]), ["NA", "?"], refuseMissing: false);
        var table = new Sequential(9).Add(new Dense(5)).Add(new ReLU()).Add(new Dense(3));
        table.Initialize(seed: 5);
        table.OutputTransform = OutputTransform.Softmax;
        yield return ("table", table, new ModelMetadata(["x", "y", "z"], 1f, "cross-entropy")
        {
            Preprocessor = preprocessor,
            Scaler = preprocessor.Scaler,
            FeatureNames = preprocessor.InputNames,
            TargetName = "kind",
        });
    }

    private static FuzzTarget CheckpointTarget(string folder)
    {
        var seeds = new List<(string, byte[])>();
        var sessions = new List<Func<Sequential, TrainingSession>>();
        Dataset data = TinyDataset();
        foreach (var (name, build) in SeedSessions())
        {
            var model = new Sequential(6).Add(new Dense(5)).Add(new ReLU()).Add(new Dropout(0.1f)).Add(new Dense(3));
            model.Initialize(seed: 4);
            TrainingSession session = build(model);
            session.Run(data, data);
            string seedFolder = Path.Combine(folder, name);
            Checkpoint.Save(seedFolder, session, new ModelMetadata(["a", "b", "c"], 1f, "cross-entropy"), "--layers 5 --dropout 0.1");
            byte[] bytes = File.ReadAllBytes(Path.Combine(seedFolder, Checkpoint.FileName));
            seeds.Add((name, bytes));
            sessions.Add(build);
            seeds.Add((name + "-v1", Mutator.ToVersion1(bytes)));
            sessions.Add(build);
        }

        return new FuzzTarget("checkpoint", seeds, Mutator.ModelFile, (caseFolder, _, seed, _) =>
        {
            Checkpoint.Data saved = Checkpoint.Load(caseFolder);
            TrainingSession session = sessions[seed](saved.Model);
            Checkpoint.Restore(session, saved);
            UseModel(saved.Model, saved.Metadata);
            if (saved.Model.InputShape.Count == data.FeatureCount && saved.Model.OutputShape.Count == data.OutputCount)
            {
                // One more epoch: a restored state that the checks let through must still train.
                session.Run(data, data);
            }
        });
    }

    private static IEnumerable<(string, Func<Sequential, TrainingSession>)> SeedSessions()
    {
        yield return ("adam-plateau-early", m => new TrainingSession(m, new SoftmaxCrossEntropy(), new Adam(m.Parameters, 0.01f), new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 4,
            Schedule = new ReduceOnPlateauSchedule(patience: 1),
            EarlyStopping = new EarlyStopping("val_loss", patience: 2),
        }));
        yield return ("momentum-step", m => new TrainingSession(m, new SoftmaxCrossEntropy(), new Momentum(m.Parameters, 0.05f), new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 8,
            Schedule = new StepSchedule(1, 0.5f),
        }));
    }

    private static Dataset TinyDataset()
    {
        var random = new Random(5);
        var features = new Tensor(12, 6);
        for (int i = 0; i < features.Span.Length; i++)
        {
            features.Span[i] = (float)random.NextDouble();
        }

        return new Dataset(features, [.. Enumerable.Range(0, 12).Select(i => i % 3)], 3);
    }

    private static FuzzTarget Idx()
    {
        byte[] images = IdxBytes([3, 4, 5], [.. Enumerable.Range(0, 60).Select(i => (byte)(i * 4))]);
        byte[] labels = IdxBytes([3], [1, 0, 2]);
        var seeds = new List<(string, byte[])>
        {
            ("images-idx3-ubyte", images), ("images-idx3-ubyte.gz", Mutator.Gzip(images)),
            ("labels-idx1-ubyte", labels), ("labels-idx1-ubyte.gz", Mutator.Gzip(labels)),
        };
        return new FuzzTarget("idx", seeds, Mutator.Idx, (folder, path, seed, random) =>
        {
            bool isImages = seed < 2;
            string other = Path.Combine(folder, isImages ? "good-labels" : "good-images");
            File.WriteAllBytes(other, isImages ? labels : images);
            switch (random.Next(3))
            {
                case 0:
                    IdxReader.Read(path, isImages ? 3 : 1);
                    break;
                case 1 when isImages:
                    Mnist.ReadImages(path);
                    break;
                default:
                    Dataset data = isImages ? Mnist.FromFiles(path, other) : Mnist.FromFiles(other, path);
                    _ = data.Features;
                    break;
            }
        });
    }

    private static FuzzTarget Csv()
    {
        string[] texts =
        [
            "sepal,petal,width,species\n5.1,3.5,1.4,setosa\n4.9,3.0,1.4,setosa\n6.2,2.9,4.3,versicolor\n5.9,3.0,5.1,virginica\n",
            "id;x;y;label\n1;0.5;\"1,5\";0\n2;-1e3;2;1\n3;7;\"8\";0\n4;1;1;1\n",
            "1,2,3,10.5\n4,5,6,11.25\n7,8,9,-3\n1,1,1,0\n",
            "label,pixel0,pixel1,pixel2\n3,0,128,255\n7,12,0,9\n3,1,2,3\n",
            "\"a\",\"b\",\"target\"\r\n\"1\",\"2\",\"x\"\r\n\"3\",\"4\",\"y\"\r\n\"5\",\"6\",\"x\"\r\n",
            "species,island,bill,mass,sex\nAdelie,Torgersen,39.1,3750,male\nAdelie,Torgersen,NA,NA,NA\nGentoo,Biscoe,46.1,?,female\nChinstrap,Dream,,3500,\nGentoo,Biscoe,50,5000,male\n",
            "zip,rooms,kind,price\n10115,3,flat,250000\n10117,,house,NA\n80331,5,\"house, big\",720000\n10115,2,flat,190000\n99999,4,?,410000\n",
        ];
        var seeds = texts.Select((t, i) => ($"seed{i}.csv", Encoding.UTF8.GetBytes(t))).ToList();
        string[][] columns =
        [
            ["sepal", "petal", "width"], ["x", "y"], ["column0", "column1", "column2"], ["pixel0", "pixel1", "pixel2"], ["a", "b"],
            ["island", "bill", "mass", "sex"], ["zip", "rooms", "kind"],
        ];
        return new FuzzTarget("csv", seeds, (random, bytes) =>
        {
            var text = new List<byte>(bytes);
            int count = 1 + random.Next(3);
            for (int i = 0; i < count; i++)
            {
                Mutator.MutateText(random, text);
            }

            return [.. text];
        }, (folder, path, seed, random) =>
        {
            string[] names = columns[seed];
            if (random.Next(4) == 0)
            {
                // As predict and evaluate read rows: the model's features by name (or position), its categorical
                // columns as categories, the others strictly as numbers; pixels as one matrix.
                var read = new CsvOptions
                {
                    TargetRequired = false,
                    FeatureNames = names,
                    Categorical = random.Next(2) == 0 ? names.Where((_, j) => j % 2 == 0).ToArray() : [],
                    DetectCategorical = false,
                    AllowMissing = random.Next(2) == 0,
                };
                CsvTable rows = CsvLoader.Load(path, read);
                if (read.Categorical.Count == 0 && !read.AllowMissing)
                {
                    GC.KeepAlive(rows.NumericMatrix());
                }

                return;
            }

            var options = random.Next(5) switch
            {
                0 => new CsvOptions(),
                1 => new CsvOptions { Target = seed == 1 ? "label" : "2", Drop = seed == 1 ? ["id"] : [] },
                2 => new CsvOptions { Categorical = [names[0]], MissingValues = ["NA", "?", "-"] },
                3 => new CsvOptions { AllowMissing = false, HasHeader = true },
                _ => new CsvOptions { HasHeader = random.Next(2) == 0 },
            };
            CsvTable table = CsvLoader.Load(path, options);
            TaskKind? task = random.Next(4) switch { 0 => TaskKind.Regression, 1 => TaskKind.Binary, _ => null };
            TabularData tabular = Tabular.FromTable(table, task);

            // Preprocessing fitted on some rows and applied to all, as training and cross-validation do.
            int[] fit = Enumerable.Range(0, tabular.Count).Where(_ => random.Next(4) != 0).DefaultIfEmpty(0).ToArray();
            var preprocessing = new PreprocessingOptions
            {
                Scaling = (ScalingKind)random.Next(3),
                Encoding = (CategoricalEncoding)random.Next(3),
                MaxOneHotCategories = 1 + random.Next(3),
                HashBuckets = 1 + random.Next(4),
                MinFrequency = 1 + random.Next(2),
                MissingIndicator = random.Next(2) == 0,
                NumericImputation = (NumericImputation)random.Next(2),
                CategoricalImputation = (CategoricalImputation)random.Next(2),
            };
            TabularPreprocessor preprocessor = TabularPreprocessor.Fit(tabular, fit, preprocessing);
            Dataset all = preprocessor.ToDataset(tabular, out TransformReport report);
            GC.KeepAlive(report.Describe());
            GC.KeepAlive(preprocessor.Describe());
            GC.KeepAlive(all.Features);
        });
    }

    private static FuzzTarget Image()
    {
        var seeds = new List<(string, byte[])>
        {
            ("gray.png", Encode(SkiaSharp.SKEncodedImageFormat.Png, 12, 9, gray: true)),
            ("color.png", Encode(SkiaSharp.SKEncodedImageFormat.Png, 10, 10, gray: false)),
            ("gray.jpg", Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 16, 12, gray: true)),
            ("color.jpg", Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 20, 17, gray: false)),
            ("color.bmp", Bmp(7, 5)),
        };
        return new FuzzTarget("image", seeds, Mutator.Image, (_, path, _, _) => ImageInput.ReadForModel(path, new Nabla.Tensors.Shape(1, 28, 28), new Nabla.Serialization.ModelMetadata([], Mnist.PixelScale, "")));
    }

    /// <summary>A small test picture (a gradient with a dark stroke) encoded by SkiaSharp.</summary>
    public static byte[] Encode(SkiaSharp.SKEncodedImageFormat format, int width, int height, bool gray)
    {
        using var bitmap = new SkiaSharp.SKBitmap(width, height, gray ? SkiaSharp.SKColorType.Gray8 : SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                byte v = (byte)(x == y ? 20 : 100 + 150 * x / width);
                bitmap.SetPixel(x, y, new SkiaSharp.SKColor(v, (byte)(255 - v), (byte)(v / 2)));
            }
        }

        using SkiaSharp.SKData data = SkiaSharp.SKImage.FromBitmap(bitmap).Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>An uncompressed 24-bit BMP (rows bottom-up, padded to 4 bytes).</summary>
    public static byte[] Bmp(int width, int height)
    {
        int stride = (width * 3 + 3) / 4 * 4;
        byte[] bytes = new byte[54 + stride * height];
        "BM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34), stride * height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width * 3; x++)
            {
                bytes[54 + y * stride + x] = (byte)(x * 10 + y * 30);
            }
        }

        return bytes;
    }

    /// <summary>An unsigned-byte IDX file.</summary>
    public static byte[] IdxBytes(int[] dimensions, byte[] values)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(values);
        byte[] bytes = new byte[4 + 4 * dimensions.Length + values.Length];
        bytes[2] = 8;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        }

        values.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }
}
