using System.Globalization;
using Sylvan.Data.Csv;

namespace Nabla.Data;

/// <summary>How <see cref="CsvLoader"/> reads a file.</summary>
public sealed record CsvOptions
{
    /// <summary>The target column, by name or 0-based index. Null: a column named label, target or class (Kaggle MNIST has the label first), else the last.</summary>
    public string? Target { get; init; }

    /// <summary>Whether a file without the target column is an error (false for prediction inputs such as Kaggle's test.csv).</summary>
    public bool TargetRequired { get; init; } = true;

    /// <summary>Columns to ignore (id-like columns), by name or 0-based index.</summary>
    public IReadOnlyList<string> Drop { get; init; } = [];

    /// <summary>Whether the first row is a header; null detects it (a header has a non-numeric cell above a numeric one).</summary>
    public bool? HasHeader { get; init; }

    /// <summary>The features a model expects, in order: picked by name when the file has a header, else by position.</summary>
    public IReadOnlyList<string>? FeatureNames { get; init; }
}

/// <summary>A CSV file's numeric feature columns, as one [rows, features] array, and its target column as text.</summary>
public sealed record CsvTable(string Path, string[] FeatureNames, float[] Features, int Rows, string? TargetName, string[]? Targets, int FirstDataLine)
{
    /// <summary>The file line of each data row, when known (blank lines are skipped, so rows and lines can differ).</summary>
    public IReadOnlyList<int>? RowLines { get; init; }

    /// <summary>The file line of data row <paramref name="row"/> (for error messages).</summary>
    public int LineOf(int row) => RowLines is { } lines && row >= 0 && row < lines.Count ? lines[row] : FirstDataLine + row;
}

/// <summary>
/// Reads delimited text with Sylvan.Data.Csv (delimiter detected among comma, semicolon, tab and pipe; quoted fields),
/// streaming rows straight into one float array, so a 110 MB file is never held as text. Every problem — ragged rows,
/// non-numeric or non-finite feature cells, empty files, a missing target column — is reported with the file, line and column.
/// </summary>
public static class CsvLoader
{
    private static readonly string[] s_targetNames = ["label", "target", "class"];

    /// <summary>The most fields a row may have (see <see cref="CheckColumnCounts"/>).</summary>
    public const int MaxColumns = 100_000;

    /// <summary>The longest row Sylvan may buffer, in characters (a longer one is an error naming its line). Sylvan
    /// starts from its default 16K-character buffer: a larger first buffer made a row of many empty fields allocate
    /// hundreds of megabytes while its field table grew.</summary>
    public const int MaxRowLength = 1 << 22;

    /// <summary>Reads <paramref name="path"/>. Blank lines (empty or only whitespace) are skipped, as pandas does.</summary>
    /// <remarks>Memory is bounded by what the file holds: the feature array is sized from the line count but never
    /// beyond the rows the file's bytes can hold (a row of W features takes at least W characters and its delimiters),
    /// and grows as rows arrive.</remarks>
    /// <exception cref="DataFormatException">The file is missing or malformed; the message names file, line and column.</exception>
    public static CsvTable Load(string path, CsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a folder, not a CSV file.");
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found.");
        }

        if (!IO.AtomicFile.IsRegularFile(path))
        {
            throw new DataFormatException($"{path}: not a regular file (a device, FIFO or socket); give a CSV file.");
        }

        var (lineCount, fileLength, longestLine) = CountLines(path);
        if (longestLine > MaxColumns)
        {
            CheckColumnCounts(path);
        }

        using CsvDataReader reader = Open(path);
        int line = 0;

        // The next record that is not a blank line; Sylvan's format errors become one line naming file and line.
        bool Next()
        {
            try
            {
                while (reader.Read())
                {
                    line = reader.RowNumber;
                    if (reader.RowFieldCount > 1 || !reader.GetFieldSpan(0).IsWhiteSpace())
                    {
                        return true;
                    }
                }

                return false;
            }
            catch (CsvFormatException ex)
            {
                throw FormatError(path, ex);
            }
        }

        if (!Next())
        {
            throw new DataFormatException($"{path}: the file is empty (no header, no data rows).");
        }

        int columns = reader.RowFieldCount, firstLine = line;
        string[] first = Cells(reader, columns);
        string[]? second = Next() ? Cells(reader, reader.RowFieldCount) : null;
        int secondLine = line;
        bool header = options.HasHeader ?? DetectHeader(first, second);
        string[] names = header ? first.Select((n, j) => string.IsNullOrWhiteSpace(n) ? $"column{j}" : n.Trim()).ToArray()
            : Enumerable.Range(0, columns).Select(j => $"column{j}").ToArray();
        if (header)
        {
            CheckUniqueNames(path, names);
        }

        int target = FindTarget(path, names, header, options);
        var dropped = new HashSet<int>(options.Drop.Select(d => FindColumn(path, names, d, "--drop")));
        if (target >= 0)
        {
            dropped.Add(target);
        }

        int[] featureColumns = SelectFeatures(path, names, header, dropped, options.FeatureNames);
        int width = featureColumns.Length;
        if (width == 0)
        {
            throw new DataFormatException($"{path}: no feature columns are left (columns: {string.Join(", ", names.Take(12).Select(n => Show(n)))}).");
        }

        // Sized from the line count, so the usual file needs neither growth nor a final trim (no second copy); but
        // never beyond the rows the file's bytes can hold, whatever its line count (blank lines hold no rows).
        long estimate = Math.Clamp(Math.Min(lineCount - (header ? 1 : 0), fileLength / (width + columns - 1L) + 1), 1, Array.MaxLength / width);
        var features = new float[estimate * width];
        var targets = target >= 0 ? new List<string>((int)estimate) : null;
        var lines = new List<int>((int)estimate);
        int rows = 0;

        void AddRow(Func<int, ReadOnlySpan<char>> cell, int fieldCount, int line)
        {
            if (fieldCount != columns)
            {
                throw new DataFormatException($"{path}: line {line} has {fieldCount} fields but the {(header ? "header" : "first row")} has {columns}.");
            }

            if ((long)(rows + 1) * width > features.Length)
            {
                Array.Resize(ref features, (int)Math.Min(Array.MaxLength / width * (long)width, features.Length * 3L / 2 + width));
            }

            if ((long)(rows + 1) * width > features.Length)
            {
                throw new DataFormatException($"{path}: line {line}: more rows of {width} features than one array can hold.");
            }

            Span<float> row = features.AsSpan(rows * width, width);
            for (int f = 0; f < width; f++)
            {
                ReadOnlySpan<char> text = cell(featureColumns[f]).Trim();
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                {
                    string problem = text.IsEmpty ? "is empty (missing values are not supported: fill or drop them)"
                        : float.IsFinite(value) || !float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? $"'{Show(text)}' is not a number"
                        : $"'{Show(text)}' is not a finite number";
                    throw new DataFormatException($"{path}: line {line}, column {featureColumns[f] + 1} ('{Show(names[featureColumns[f]])}'): {problem}.");
                }

                row[f] = value;
            }

            if (targets is not null)
            {
                string value = cell(target).Trim().ToString();
                if (value.Length == 0)
                {
                    throw new DataFormatException($"{path}: line {line}, column {target + 1} ('{Show(names[target])}'): the target is empty.");
                }

                targets.Add(value);
            }

            lines.Add(line);
            rows++;
        }

        if (!header)
        {
            AddRow(j => first[j], first.Length, firstLine);
        }

        if (second is not null)
        {
            AddRow(j => second[j], second.Length, secondLine);
            Func<int, ReadOnlySpan<char>> current = j => reader.GetFieldSpan(j);
            while (Next())
            {
                AddRow(current, reader.RowFieldCount, line);
            }
        }

        if (rows == 0)
        {
            throw new DataFormatException($"{path}: no data rows after the header.");
        }

        if (features.Length != rows * width)
        {
            Array.Resize(ref features, rows * width);
        }

        return new CsvTable(path, featureColumns.Select(j => names[j]).ToArray(), features, rows, target >= 0 ? names[target] : null, targets?.ToArray(), lines[0])
        {
            RowLines = lines.ToArray(),
        };
    }

    private static DataFormatException FormatError(string path, CsvFormatException ex)
    {
        int line = Math.Max(1, ex.RowNumber);
        string problem = ex switch
        {
            CsvRecordTooLargeException => $"a row longer than {MaxRowLength} characters (is a quote left open?)",
            CsvInvalidCharacterException when ex.Message.Contains("quote", StringComparison.OrdinalIgnoreCase) => "a quoted field has no closing quote",
            _ => $"malformed CSV ({ex.Message.Split('\n')[0].TrimEnd()})",
        };
        return new DataFormatException($"{path}: line {line}: {problem}.", ex);
    }

    /// <summary>Two columns with one name (compared as <c>--target</c>/<c>--drop</c> and prediction compare them, ignoring
    /// case) would make picking by name read the wrong one.</summary>
    private static void CheckUniqueNames(string path, string[] names)
    {
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int j = 0; j < names.Length; j++)
        {
            if (!seen.TryAdd(names[j], j))
            {
                throw new DataFormatException($"{path}: line 1: columns {seen[names[j]] + 1} and {j + 1} are both named '{Show(names[j])}'; column names must be unique.");
            }
        }
    }

    /// <summary>Text from the file as it may appear in a one-line message: control characters escaped, at most 60 characters.</summary>
    internal static string Show(ReadOnlySpan<char> text)
    {
        string shown = string.Concat(text[..Math.Min(text.Length, 60)].ToString().Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return text.Length > 60 ? shown + "…" : shown;
    }

    private static CsvDataReader Open(string path)
    {
        try
        {
            return CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = false, MaxBufferSize = MaxRowLength });
        }
        catch (CsvFormatException ex)
        {
            throw FormatError(path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the file ({ex.Message}).", ex);
        }
    }

    private static string[] Cells(CsvDataReader reader, int count) => Enumerable.Range(0, count).Select(j => reader.GetString(j)).ToArray();

    private static bool IsNumber(string text) => double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>A header has some non-numeric cell above a numeric one (or, alone in the file, has no numeric cell).</summary>
    private static bool DetectHeader(string[] first, string[]? second)
    {
        if (second is null)
        {
            return first.All(c => !IsNumber(c));
        }

        for (int j = 0; j < Math.Min(first.Length, second.Length); j++)
        {
            if (!IsNumber(first[j]) && IsNumber(second[j]))
            {
                return true;
            }
        }

        return false;
    }

    private static int FindTarget(string path, string[] names, bool header, CsvOptions options)
    {
        if (options.Target is not null)
        {
            int found = FindColumn(path, names, options.Target, "--target", required: options.TargetRequired);
            return found;
        }

        if (options.FeatureNames is not null && !options.TargetRequired)
        {
            // Prediction input: a target column is whatever remains once the model's features are taken; none is needed.
            return -1;
        }

        if (header)
        {
            for (int j = 0; j < names.Length; j++)
            {
                if (s_targetNames.Contains(names[j].ToLowerInvariant()))
                {
                    return j;
                }
            }
        }

        return names.Length - 1;
    }

    private static int FindColumn(string path, string[] names, string spec, string option, bool required = true)
    {
        for (int j = 0; j < names.Length; j++)
        {
            if (string.Equals(names[j], spec, StringComparison.OrdinalIgnoreCase))
            {
                return j;
            }
        }

        if (int.TryParse(spec, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < names.Length)
        {
            return index;
        }

        if (!required)
        {
            return -1;
        }

        throw new DataFormatException($"{path}: {option} '{Show(spec)}' is not a column (columns: {string.Join(", ", names.Take(12).Select(n => Show(n)))}{(names.Length > 12 ? $", … {names.Length} in all" : "")}).");
    }

    private static int[] SelectFeatures(string path, string[] names, bool header, HashSet<int> dropped, IReadOnlyList<string>? wanted)
    {
        int[] remaining = Enumerable.Range(0, names.Length).Where(j => !dropped.Contains(j)).ToArray();
        if (wanted is null)
        {
            return remaining;
        }

        if (header)
        {
            return wanted.Select(name => Array.FindIndex(names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) is int j && j >= 0
                ? j
                : throw new DataFormatException($"{path}: the model needs a column '{Show(name)}' that the file does not have.")).ToArray();
        }

        if (remaining.Length != wanted.Count)
        {
            throw new DataFormatException($"{path}: {remaining.Length} feature columns but the model takes {wanted.Count}.");
        }

        return remaining;
    }

    private static (long Lines, long Bytes, long LongestLine) CountLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            byte[] buffer = new byte[1 << 16];
            long lines = 0, bytes = 0, longest = 0, current = 0;
            int read;
            byte last = (byte)'\n';
            while ((read = stream.Read(buffer)) > 0)
            {
                ReadOnlySpan<byte> chunk = buffer.AsSpan(0, read);
                for (int at; (at = chunk.IndexOf((byte)'\n')) >= 0; chunk = chunk[(at + 1)..])
                {
                    longest = Math.Max(longest, current + at);
                    current = 0;
                    lines++;
                }

                current += chunk.Length;
                bytes += read;
                last = buffer[read - 1];
            }

            return (last == (byte)'\n' ? lines : lines + 1, bytes, Math.Max(longest, current));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the file ({ex.Message}).", ex);
        }
    }

    /// <summary>Refuses a line with more than <see cref="MaxColumns"/> delimiters (of any of the four Sylvan detects):
    /// Sylvan grows its field table by 32 entries at a time, so the widest row costs time quadratic in its field count
    /// (a 4 MB row of "1," took minutes). Run only for files with a line that long.</summary>
    private static void CheckColumnCounts(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        byte[] buffer = new byte[1 << 16];
        Span<long> counts = stackalloc long[4];
        long line = 1;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            ReadOnlySpan<byte> chunk = buffer.AsSpan(0, read);
            while (true)
            {
                int at = chunk.IndexOf((byte)'\n');
                ReadOnlySpan<byte> part = at < 0 ? chunk : chunk[..at];
                counts[0] += part.Count((byte)',');
                counts[1] += part.Count((byte)';');
                counts[2] += part.Count((byte)'\t');
                counts[3] += part.Count((byte)'|');
                if (Max(counts) >= MaxColumns)
                {
                    throw new DataFormatException($"{path}: line {line} has more than {MaxColumns} fields; Nabla reads at most {MaxColumns} columns.");
                }

                if (at < 0)
                {
                    break;
                }

                counts.Clear();
                line++;
                chunk = chunk[(at + 1)..];
            }
        }

        static long Max(ReadOnlySpan<long> values) => Math.Max(Math.Max(values[0], values[1]), Math.Max(values[2], values[3]));
    }
}
