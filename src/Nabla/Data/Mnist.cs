using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// Loads a folder in the MNIST layout: <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each optionally gzipped (<c>.gz</c>).
/// Pixels are scaled from 0..255 to [0, 1]; each image is a sample of shape [1, height, width] (channels first, as
/// PyTorch), which a model flattens if it wants flat features.
/// Works for MNIST, Fashion-MNIST and any image count.
/// </summary>
public static class Mnist
{
    /// <summary>The scale applied to pixels (1/255), also stored in model files so prediction does the same.</summary>
    public const float PixelScale = 1f / 255f;

    /// <summary>Loads the training and test sets of <paramref name="folder"/>.</summary>
    /// <exception cref="DataFormatException">A file is missing or invalid; the message names it.</exception>
    public static (Dataset Train, Dataset Test) LoadFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DataFormatException($"{folder}: no such folder (expected the four MNIST IDX files in it).");
        }

        Dataset train = Load(folder, "train"), test = Load(folder, "t10k");
        if (!train.SampleShape.Equals(test.SampleShape))
        {
            throw new DataFormatException($"{folder}: the training images are {Describe(train.SampleShape)} but the test images are {Describe(test.SampleShape)}; both must have the same size.");
        }

        if (test.ClassCount > train.ClassCount)
        {
            int label = test.RequireLabels().First(l => l >= train.ClassCount);
            throw new DataFormatException($"{folder}: the test labels include {label}, a class the training labels (0..{train.ClassCount - 1}) never have.");
        }

        return (train, test);
    }

    /// <summary>The name of the built-in dataset: the first 10,000 MNIST training digits and the 10,000 test digits,
    /// shipped inside the library (data/mnist-10k in the repository).</summary>
    public const string BuiltInName = "mnist-10k";

    /// <summary>Loads the built-in digits (<see cref="BuiltInName"/>) from the library itself, whatever the working
    /// folder: the training set (10,000 digits) and the test set (10,000).</summary>
    public static (Dataset Train, Dataset Test) LoadBuiltIn() => (LoadBuiltIn("train"), LoadBuiltIn("t10k"));

    /// <summary>Loads one split ("train" or "t10k") of the built-in digits.</summary>
    public static Dataset LoadBuiltIn(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        IdxReader.IdxData images = ReadBuiltIn($"{prefix}-images-idx3-ubyte.gz", 3);
        IdxReader.IdxData labels = ReadBuiltIn($"{prefix}-labels-idx1-ubyte.gz", 1);
        return FromIdx(images, labels, $"{BuiltInName}/{prefix}-images-idx3-ubyte.gz", $"{BuiltInName}/{prefix}-labels-idx1-ubyte.gz");
    }

    private static IdxReader.IdxData ReadBuiltIn(string name, int rank)
    {
        using Stream stream = typeof(Mnist).Assembly.GetManifestResourceStream($"Nabla.Data.{BuiltInName}.{name}")
            ?? throw new DataFormatException($"{BuiltInName}/{name}: not found in the Nabla library (use prefix train or t10k).");
        return IdxReader.Read(stream, $"{BuiltInName}/{name}", rank);
    }

    /// <summary>Loads one split ("train" or "t10k") of an MNIST-layout folder.</summary>
    public static Dataset Load(string folder, string prefix)
    {
        string images = Find(folder, $"{prefix}-images-idx3-ubyte");
        string labels = Find(folder, $"{prefix}-labels-idx1-ubyte");
        return FromFiles(images, labels);
    }

    /// <summary>Loads an image file and a label file.</summary>
    /// <remarks>The pixels stay bytes in the dataset (see <see cref="Dataset.FromBytes(byte[], Shape, float, int[], int)"/>) and are scaled by
    /// <see cref="PixelScale"/> as batches are made.</remarks>
    public static Dataset FromFiles(string imagesPath, string labelsPath)
    {
        IdxReader.IdxData images = IdxReader.Read(imagesPath, 3);
        CheckImages(images, imagesPath);
        return FromIdx(images, IdxReader.Read(labelsPath, 1), imagesPath, labelsPath);
    }

    private static Dataset FromIdx(IdxReader.IdxData images, IdxReader.IdxData labelData, string imagesPath, string labelsPath)
    {
        int count = CheckImages(images, imagesPath);
        if (labelData.Dimensions[0] != count)
        {
            throw new DataFormatException($"{labelsPath}: {labelData.Dimensions[0]} labels but {imagesPath} holds {count} images.");
        }

        int[] labels = labelData.Values.Select(b => (int)b).ToArray();
        int classCount = Math.Max(10, labels.Length == 0 ? 0 : labels.Max() + 1);
        var sampleShape = new Shape(1, images.Dimensions[1], images.Dimensions[2]);
        Dataset data = Dataset.FromBytes(images.Values, sampleShape, PixelScale, labels, classCount);
        data.ClassNames = Enumerable.Range(0, classCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return data;
    }

    private static string Describe(Shape sample) => $"{sample[1]}×{sample[2]}";

    /// <summary>Reads an IDX image file as [count, 1, height, width] pixels scaled to [0, 1].</summary>
    public static Tensor ReadImages(string path)
    {
        IdxReader.IdxData data = IdxReader.Read(path, 3);
        int count = CheckImages(data, path);
        var features = new Tensor(count, 1, data.Dimensions[1], data.Dimensions[2]);
        TensorMath.ExpandBytes(data.Values, PixelScale, features.Span);
        return features;
    }

    /// <summary>The image count, after checking that there are images and that they have pixels.</summary>
    private static int CheckImages(IdxReader.IdxData images, string path)
    {
        int[] d = images.Dimensions;
        if (d[0] == 0 || d[1] == 0 || d[2] == 0)
        {
            throw new DataFormatException($"{path}: holds no images ({d[0]} images of {d[1]}×{d[2]} pixels).");
        }

        return d[0];
    }

    private static string Find(string folder, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz", name.Replace("-idx", ".idx", StringComparison.Ordinal), name.Replace("-idx", ".idx", StringComparison.Ordinal) + ".gz" })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new DataFormatException($"{Path.Combine(folder, name)}(.gz): file not found (an MNIST-layout folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, optionally .gz).");
    }
}
