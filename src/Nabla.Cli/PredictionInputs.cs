using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli;

/// <summary>The samples of a <c>nabla predict</c> call, in order: the model's inputs (scaled as training scaled
/// them), what each came from, and the raw values (0..255 for images) the model received.</summary>
/// <param name="Samples">[count, input shape...], scaled.</param>
/// <param name="Names">Per sample: the image file, or <c>file[i]</c> for the i-th sample of an IDX or CSV file.</param>
/// <param name="Raw">The same samples unscaled.</param>
/// <param name="PixelCsv">Whether the input is one CSV file of pixel rows for an image model (Kaggle's test.csv):
/// predictions are then written in Kaggle's submission layout.</param>
internal sealed record PredictionBatch(Tensor Samples, IReadOnlyList<string> Names, Tensor Raw, bool PixelCsv)
{
    /// <summary>What the user should know about the rows as read (cells imputed, categories unseen in training).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Expands <c>--input</c> values — files, folders (their PNG, JPEG and BMP images, by name) and glob patterns
/// (<c>digits/*.png</c>, <c>scans/**/*.jpg</c>) — and reads every sample for the model.</summary>
internal static class PredictionInputs
{
    /// <summary>The image formats a folder is searched for.</summary>
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>The files named by the <c>--input</c> values, each checked to exist; before anything is read.</summary>
    /// <exception cref="UsageException">A value names nothing, or a folder or pattern holds no image.</exception>
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> values)
    {
        var files = new List<string>();
        foreach (string value in values)
        {
            if (Directory.Exists(value))
            {
                string[] images = Directory.EnumerateFiles(value).Where(IsImage).Order(StringComparer.Ordinal).ToArray();
                files.AddRange(images.Length > 0 ? images : throw new UsageException($"--input {value}: the folder holds no PNG, JPEG or BMP image."));
            }
            else if (File.Exists(value))
            {
                files.Add(value);
            }
            else if (value.IndexOfAny(['*', '?', '[']) >= 0)
            {
                files.AddRange(Glob(value));
            }
            else
            {
                throw new UsageException($"--input {value}: file not found.");
            }
        }

        return files;
    }

    /// <summary>Every sample of <paramref name="files"/> for <paramref name="model"/>.</summary>
    /// <exception cref="UsageException">An input does not fit the model (an image for a tabular model, a wrong size).</exception>
    /// <exception cref="DataFormatException">A file cannot be read.</exception>
    public static PredictionBatch Read(IReadOnlyList<string> files, Sequential model, ModelMetadata metadata)
    {
        if (metadata.Preprocessor is not null)
        {
            return ReadTables(files, model, metadata);
        }

        var names = new List<string>();
        var raw = new List<float[]>();
        bool tabular = metadata.FeatureNames is not null;
        bool pixelCsv = files.Count == 1 && IsText(files[0])
            && (!tabular || metadata.FeatureNames!.SequenceEqual(DataPreparation.PixelNames(model.InputShape.Count), StringComparer.OrdinalIgnoreCase));
        foreach (string path in files)
        {
            if (tabular && !IsText(path))
            {
                throw new UsageException($"{path}: this model was trained on CSV columns ({string.Join(", ", metadata.FeatureNames!.Take(5))}{(metadata.FeatureNames!.Count > 5 ? ", …" : "")}); give a CSV file with those columns.");
            }

            if (IsImage(path))
            {
                raw.Add(ImageInput.ForModel(ImageInput.Read(path), model.InputShape, metadata, path));
                names.Add(path);
                continue;
            }

            Tensor rows = IsText(path) ? ReadCsv(path, model, metadata) : ReadIdx(path);
            if (rows.RowLength != model.InputShape.Count)
            {
                throw new UsageException($"{path}: samples have {rows.RowLength} values but the model takes {model.InputShape.Count}.");
            }

            for (int i = 0; i < rows.Rows; i++)
            {
                raw.Add(rows.Row(i).ToArray());
                names.Add($"{path}[{i}]");
            }
        }

        var rawTensor = new Tensor(model.InputShape.WithBatchDimension(raw.Count));
        for (int i = 0; i < raw.Count; i++)
        {
            raw[i].CopyTo(rawTensor.Row(i));
        }

        Tensor samples = rawTensor.Clone();
        metadata.ScaleInputs(samples.Span);
        return new PredictionBatch(samples, names, rawTensor, pixelCsv);
    }

    /// <summary>Rows of CSV files for a model with table preprocessing (categories, imputation): each file read by the
    /// model's column names and kinds, then preprocessed as training did.</summary>
    private static PredictionBatch ReadTables(IReadOnlyList<string> files, Sequential model, ModelMetadata metadata)
    {
        var names = new List<string>();
        var parts = new List<Tensor>();
        var notes = new List<string>();
        foreach (string path in files)
        {
            if (!IsText(path))
            {
                throw new UsageException($"{path}: this model was trained on CSV columns ({string.Join(", ", metadata.FeatureNames!.Take(5))}{(metadata.FeatureNames!.Count > 5 ? ", …" : "")}); give a CSV file with those columns.");
            }

            CsvTable table = CsvLoader.Load(path, DataPreparation.ReadOptions(metadata, model.InputShape.Count, targetRequired: false));
            Tensor rows = DataPreparation.Inputs(table, metadata, out TransformReport? report);
            if (report?.Describe() is { } line)
            {
                notes.Add($"{path}: preprocessing {line}.");
            }

            parts.Add(rows);
            for (int i = 0; i < rows.Rows; i++)
            {
                names.Add($"{path}[{i}]");
            }
        }

        var samples = new Tensor(model.InputShape.WithBatchDimension(names.Count));
        int offset = 0;
        foreach (Tensor part in parts)
        {
            part.Span.CopyTo(samples.Span[offset..]);
            offset += part.Span.Length;
        }

        bool pixelCsv = files.Count == 1 && metadata.FeatureNames!.SequenceEqual(DataPreparation.PixelNames(metadata.FeatureNames!.Count), StringComparer.OrdinalIgnoreCase);
        // A table's rows have no pixels to show (--show is refused for such models): Raw is the samples themselves.
        return new PredictionBatch(samples, names, samples, pixelCsv) { Notes = notes };
    }

    public static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static bool IsText(string path) => Path.GetExtension(path).ToLowerInvariant() is ".csv" or ".tsv" or ".txt";

    /// <summary>Rows of raw values: the model's columns by name when the file has a header (Kaggle's test.csv works as is).</summary>
    private static Tensor ReadCsv(string path, Sequential model, ModelMetadata metadata)
    {
        CsvTable table = CsvLoader.Load(path, new CsvOptions
        {
            TargetRequired = false,
            FeatureNames = metadata.FeatureNames ?? DataPreparation.PixelNames(model.InputShape.Count),
        });
        return new Tensor(table.NumericMatrix(), new Shape(table.Rows, table.FeatureNames.Length));
    }

    /// <summary>IDX images as raw pixel values (0..255).</summary>
    private static Tensor ReadIdx(string path)
    {
        Tensor images = Mnist.ReadImages(path);
        TensorMath.Scale(1f / Mnist.PixelScale, images.Span);
        return images;
    }

    /// <summary>The files a pattern matches, by name: <c>*</c> any run of characters within a folder name, <c>?</c>
    /// one character, <c>[abc]</c> or <c>[0-9]</c> one of a set, <c>**</c> any number of folders.</summary>
    private static IEnumerable<string> Glob(string pattern)
    {
        // The folder part before the first wildcard is the root; the rest is matched below it.
        string normalized = pattern.Replace('\\', '/');
        int wildcard = normalized.IndexOfAny(['*', '?', '[']);
        int slash = normalized.LastIndexOf('/', wildcard);
        string root = slash < 0 ? "." : slash == 0 ? "/" : normalized[..slash];
        string relative = normalized[(slash + 1)..];
        if (!Directory.Exists(root))
        {
            throw new UsageException($"--input {pattern}: the folder {root} does not exist.");
        }

        var regex = new System.Text.RegularExpressions.Regex(GlobToRegex(relative), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        SearchOption depth = relative.Contains('/', StringComparison.Ordinal) ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
        string[] matches = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = depth == SearchOption.AllDirectories, IgnoreInaccessible = true })
            .Where(file => regex.IsMatch(Path.GetRelativePath(root, file).Replace('\\', '/')))
            .Select(file => slash < 0 ? Path.GetRelativePath(".", file) : file)
            .Order(StringComparer.Ordinal).ToArray();
        return matches.Length > 0 ? matches : throw new UsageException($"--input {pattern}: no file matches.");
    }

    private static string GlobToRegex(string glob)
    {
        var regex = new System.Text.StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                bool folder = i + 2 < glob.Length && glob[i + 2] == '/';
                regex.Append(folder ? "(?:.*/)?" : ".*");
                i += folder ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && glob.IndexOf(']', i + 1) is int end and > 0)
            {
                string set = glob[(i + 1)..end];
                regex.Append('[').Append(set.StartsWith('!') ? "^" + System.Text.RegularExpressions.Regex.Escape(set[1..]).Replace("\\-", "-", StringComparison.Ordinal)
                    : System.Text.RegularExpressions.Regex.Escape(set).Replace("\\-", "-", StringComparison.Ordinal)).Append(']');
                i = end;
            }
            else
            {
                regex.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
            }
        }

        return regex.Append('$').ToString();
    }
}
