using System.Globalization;
using Sylvan.Data.Csv;

namespace Nabla.Data;

/// <summary>How <see cref="CsvLoader"/> reads a file.</summary>
public sealed record CsvOptions
{
    /// <summary>The cells (after trimming) that mean "missing" besides an empty cell, which always does:
    /// NA, N/A, NaN, nan, ?, null, NULL. Compared exactly (case matters).</summary>
    public static IReadOnlyList<string> DefaultMissingValues { get; } = ["NA", "N/A", "NaN", "nan", "?", "null", "NULL"];

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

    /// <summary>Cells (after trimming) that mean "missing", besides an empty cell (<see cref="DefaultMissingValues"/>).</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = DefaultMissingValues;

    /// <summary>Whether missing feature cells are kept (as NaN or code −1, for imputation) and rows whose target is
    /// missing are dropped and counted; false makes the first missing cell an error naming its line and column
    /// (<c>--missing error</c>).</summary>
    public bool AllowMissing { get; init; } = true;

    /// <summary>Columns read as categories even when their cells are numbers (codes such as zip or MS_SubClass), by
    /// name or 0-based index.</summary>
    public IReadOnlyList<string> Categorical { get; init; } = [];

    /// <summary>Whether a column with a cell that is neither a number nor missing becomes categorical (true, for
    /// training) or is an error naming the cell (false: a trained model's numeric columns at prediction time).</summary>
    public bool DetectCategorical { get; init; } = true;
}

/// <summary>A CSV file's feature columns (numbers or categories, missing cells marked) and its target column as text.</summary>
/// <param name="Path">The file.</param>
/// <param name="Columns">The feature columns, in file order (or in <see cref="CsvOptions.FeatureNames"/>' order).</param>
/// <param name="Rows">Data rows (rows whose target is missing are dropped and counted in <see cref="MissingTargetRows"/>).</param>
/// <param name="TargetName">The target column's name, or null when the file has none (prediction input).</param>
/// <param name="Targets">The target cell of each row (trimmed), or null.</param>
/// <param name="FirstDataLine">The file line of the first data row.</param>
public sealed record CsvTable(string Path, IReadOnlyList<CsvColumn> Columns, int Rows, string? TargetName, string[]? Targets, int FirstDataLine)
{
    /// <summary>The file line of each data row, when known (blank lines are skipped, so rows and lines can differ).</summary>
    public IReadOnlyList<int>? RowLines { get; init; }

    /// <summary>Data records in the file (blank lines and the header not counted), the rows left out included.</summary>
    public int DataRecords { get; init; }

    /// <summary>The 0-based data record in the file of each row, when rows were left out (null: row i is record i).</summary>
    public IReadOnlyList<int>? SourceRows { get; init; }

    /// <summary>The 0-based data record in the file of row <paramref name="row"/>.</summary>
    public int SourceRowOf(int row) => SourceRows is { } map && row >= 0 && row < map.Count ? map[row] : row;

    /// <summary>Rows left out because their target cell was missing (only with <see cref="CsvOptions.AllowMissing"/>).</summary>
    public int MissingTargetRows { get; init; }

    /// <summary>The file line of the first row left out for a missing target (0 when none).</summary>
    public int FirstMissingTargetLine { get; init; }

    /// <summary>The cell texts that meant "missing" when the file was read (<see cref="CsvOptions.MissingValues"/>).</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = CsvOptions.DefaultMissingValues;

    /// <summary>Whether missing cells were allowed when the file was read (<see cref="CsvOptions.AllowMissing"/>).</summary>
    public bool AllowMissing { get; init; } = true;

    /// <summary>The feature columns' names, in order.</summary>
    public string[] FeatureNames => Columns.Select(c => c.Name).ToArray();

    /// <summary>Missing feature cells in all.</summary>
    public long MissingCells => Columns.Sum(c => (long)c.MissingCount);

    /// <summary>The file line of data row <paramref name="row"/> (for error messages).</summary>
    public int LineOf(int row) => RowLines is { } lines && row >= 0 && row < lines.Count ? lines[row] : FirstDataLine + row;

    /// <summary>The feature columns as one row-major array [rows, columns] (a missing cell is NaN): for inputs whose
    /// columns are all numeric, such as pixels.</summary>
    /// <exception cref="DataFormatException">A column is categorical.</exception>
    public float[] NumericMatrix()
    {
        int width = Columns.Count;
        var values = new float[(long)Rows * width];
        for (int j = 0; j < width; j++)
        {
            float[] column = Columns[j].Numbers ?? throw new DataFormatException($"{Path}: column {Columns[j].FileColumn + 1} ('{CsvLoader.Show(Columns[j].Name)}') holds text, but numbers are needed here.");
            for (int i = 0; i < Rows; i++)
            {
                values[(long)i * width + j] = column[i];
            }
        }

        return values;
    }
}

/// <summary>
/// Reads delimited text with Sylvan.Data.Csv (delimiter detected among comma, semicolon, tab and pipe; quoted fields),
/// streaming rows straight into one array per column, so a 110 MB file is never held as text. A feature column is
/// numeric unless <see cref="CsvOptions.Categorical"/> names it or its filled cells are mostly not numbers (then it is
/// categorical: each distinct text becomes a level); a column of mostly numbers with some text is an error naming the
/// first text (a typo or an unlisted missing-value marker). Missing cells (empty, NA, ?, …) are kept for imputation, and rows
/// whose target is missing are dropped and counted. Every problem — ragged rows, non-finite numbers, empty files, a
/// missing target column — is reported with the file, line and column.
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
    /// <remarks>Memory is bounded by what the file holds: each column's array is sized from the line count but never
    /// beyond the rows the file's bytes can hold (a row of W features takes at least W characters and its delimiters),
    /// and grows as rows arrive; a categorical column holds 4 bytes a row and each distinct text once. A column whose
    /// first texts come after numbers (a mixed column) is read again as categorical, so its levels are the file's exact
    /// texts: such files are read twice.</remarks>
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

        var (table, mixed) = Read(path, options, lineCount, fileLength, []);
        return mixed.Count == 0 ? table : Read(path, options, lineCount, fileLength, mixed).Table;
    }

    /// <summary>One pass over the file; <paramref name="mixedColumns"/> (file columns) are read as categorical. Returns
    /// the table and the file columns found mixed (numbers, then text), which need a second pass.</summary>
    private static (CsvTable Table, HashSet<int> Mixed) Read(string path, CsvOptions options, long lineCount, long fileLength, HashSet<int> mixedColumns)
    {
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

        var declared = new HashSet<int>(options.Categorical.Select(c => FindColumn(path, names, c, "--categorical")));
        var missingValues = new HashSet<string>(options.MissingValues.Select(v => v.Trim()), StringComparer.Ordinal);
        HashSet<string>.AlternateLookup<ReadOnlySpan<char>> missing = missingValues.GetAlternateLookup<ReadOnlySpan<char>>();

        // Sized from the line count, so the usual file needs neither growth nor a final trim (no second copy); but
        // never beyond the rows the file's bytes can hold, whatever its line count (blank lines hold no rows).
        int estimate = (int)Math.Clamp(Math.Min(lineCount - (header ? 1 : 0), fileLength / (width + columns - 1L) + 1), 1, Array.MaxLength);
        var builders = featureColumns.Select(j => new CsvColumnBuilder(j, estimate, declared.Contains(j) || mixedColumns.Contains(j), declared.Contains(j))).ToArray();
        var targets = target >= 0 ? new List<string>(estimate) : null;
        var lines = new List<int>(estimate);
        var mixed = new HashSet<int>();
        var records = new List<int>(estimate);
        int rows = 0, missingTargets = 0, firstMissingTarget = 0, dataRecords = 0;

        void AddRow(Func<int, ReadOnlySpan<char>> cell, int fieldCount, int line)
        {
            if (fieldCount != columns)
            {
                throw new DataFormatException($"{path}: line {line} has {fieldCount} fields but the {(header ? "header" : "first row")} has {columns}.");
            }

            int record = dataRecords++;
            string? targetValue = null;
            if (targets is not null)
            {
                ReadOnlySpan<char> text = cell(target).Trim();
                if (text.IsEmpty || missing.Contains(text))
                {
                    if (!options.AllowMissing)
                    {
                        throw new DataFormatException($"{path}: line {line}, column {target + 1} ('{Show(names[target])}'): the target is {(text.IsEmpty ? "empty" : $"missing ('{Show(text)}')")}.");
                    }

                    missingTargets++;
                    firstMissingTarget = firstMissingTarget == 0 ? line : firstMissingTarget;
                    return;
                }

                targetValue = text.ToString();
            }

            if (rows == Array.MaxLength)
            {
                throw new DataFormatException($"{path}: line {line}: more rows than one array can hold.");
            }

            for (int f = 0; f < width; f++)
            {
                CsvColumnBuilder column = builders[f];
                ReadOnlySpan<char> text = cell(column.FileColumn).Trim();
                if (text.IsEmpty || missing.Contains(text))
                {
                    if (!options.AllowMissing)
                    {
                        throw new DataFormatException($"{path}: line {line}, column {column.FileColumn + 1} ('{Show(names[column.FileColumn])}'): {(text.IsEmpty ? "is empty" : $"'{Show(text)}' is a missing value")} (missing values are refused here: fill or drop them, or let them be imputed).");
                    }

                    column.AddMissing(rows);
                    continue;
                }

                bool number = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value);
                if (column.IsCategorical)
                {
                    column.AddText(rows, text, number, line);
                }
                else if (number && float.IsFinite(value))
                {
                    column.AddNumber(rows, value);
                }
                else if (number || !options.DetectCategorical)
                {
                    string problem = number ? $"'{Show(text)}' is not a finite number" : $"'{Show(text)}' is not a number";
                    throw new DataFormatException($"{path}: line {line}, column {column.FileColumn + 1} ('{Show(names[column.FileColumn])}'): {problem}.");
                }
                else if (!column.TryBecomeCategorical(rows, text, line))
                {
                    mixed.Add(column.FileColumn);
                }
            }

            if (targets is not null)
            {
                targets.Add(targetValue!);
            }

            lines.Add(line);
            records.Add(record);
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
            throw new DataFormatException(missingTargets > 0
                ? $"{path}: every row's target is missing ({missingTargets} rows, the first at line {firstMissingTarget})."
                : $"{path}: no data rows after the header.");
        }

        // A column of numbers with a few texts is a typo or an unlisted missing-value marker far more often than categories.
        foreach (CsvColumnBuilder column in builders.Where(b => b.MostlyNumbers))
        {
            var (text, textLine) = column.FirstText;
            string name = names[column.FileColumn];
            throw new DataFormatException($"{path}: line {textLine}, column {column.FileColumn + 1} ('{Show(name)}'): '{Show(text)}' is not a number, but {column.NumberCells} of the column's {column.NumberCells + column.TextCells} filled cells are; list it in --missing-values if it means missing, or read the column as categories with --categorical {Show(name)}.");
        }

        var table = new CsvTable(path, builders.Select(b => b.Build(names[b.FileColumn], rows)).ToArray(), rows, target >= 0 ? names[target] : null, targets?.ToArray(), lines[0])
        {
            RowLines = lines.ToArray(),
            DataRecords = dataRecords,
            SourceRows = missingTargets > 0 ? records.ToArray() : null,
            MissingTargetRows = missingTargets,
            FirstMissingTargetLine = firstMissingTarget,
            MissingValues = [.. missingValues.Order(StringComparer.Ordinal)],
            AllowMissing = options.AllowMissing,
        };
        return (table, mixed);
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
    public static string Show(ReadOnlySpan<char> text)
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

        // A table of text (categories only, or a first data row of missing cells): a first row of distinct names that
        // are neither numbers nor empty, none repeated in the same column of the next row, is a header — pandas
        // assumes one whatever the cells.
        return first.Length == second.Length && first.All(c => c.Trim().Length > 0 && !IsNumber(c))
            && first.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() == first.Length
            && !first.Where((c, j) => c.Trim() == second[j].Trim()).Any();
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
