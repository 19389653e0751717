namespace Nabla.Data.Preprocessing;

/// <summary>What a <see cref="TabularPreprocessor"/> had to fill in while transforming rows: missing cells it
/// imputed and categories it had not seen in training, per column.</summary>
public sealed class TransformReport
{
    private const int ExamplesPerColumn = 3;
    private readonly string[] _columns;
    private readonly long[] _imputed;
    private readonly long[] _unknown;
    private readonly List<string>[] _examples;

    internal TransformReport(IReadOnlyList<string> columns)
    {
        _columns = [.. columns];
        _imputed = new long[_columns.Length];
        _unknown = new long[_columns.Length];
        _examples = _columns.Select(_ => new List<string>()).ToArray();
    }

    /// <summary>Missing cells that were imputed.</summary>
    public long ImputedCells => _imputed.Sum();

    /// <summary>Cells whose category was not seen in training (mapped to the column's infrequent input, or to none).</summary>
    public long UnknownCells => _unknown.Sum();

    /// <summary>Imputed cells per column (columns with none left out).</summary>
    public IReadOnlyDictionary<string, long> ImputedByColumn => Counts(_imputed);

    /// <summary>Unknown categories per column (columns with none left out).</summary>
    public IReadOnlyDictionary<string, long> UnknownByColumn => Counts(_unknown);

    /// <summary>Up to three unknown categories per column, as they appeared.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UnknownExamples =>
        Enumerable.Range(0, _columns.Length).Where(j => _examples[j].Count > 0).ToDictionary(j => _columns[j], j => (IReadOnlyList<string>)_examples[j]);

    /// <summary>One line for a user ("imputed 11 missing cells (sex 9, bill_length_mm 2)"), or null when nothing was filled in.</summary>
    public string? Describe()
    {
        var parts = new List<string>();
        if (ImputedCells > 0)
        {
            parts.Add($"imputed {ImputedCells} missing cell{(ImputedCells == 1 ? "" : "s")} ({Top(_imputed, j => "")})");
        }

        if (UnknownCells > 0)
        {
            parts.Add($"{UnknownCells} cell{(UnknownCells == 1 ? "" : "s")} with a category unseen in training ({Top(_unknown, j => ": " + string.Join(", ", _examples[j].Select(e => $"'{CsvLoader.Show(e)}'")))})");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    internal void Imputed(int column, long count) => _imputed[column] += count;

    internal void Unknown(int column, string category)
    {
        _unknown[column]++;
        if (_examples[column].Count < ExamplesPerColumn && !_examples[column].Contains(category))
        {
            _examples[column].Add(category);
        }
    }

    private Dictionary<string, long> Counts(long[] counts) =>
        Enumerable.Range(0, _columns.Length).Where(j => counts[j] > 0).ToDictionary(j => _columns[j], j => counts[j], StringComparer.Ordinal);

    private string Top(long[] counts, Func<int, string> detail)
    {
        int[] columns = Enumerable.Range(0, counts.Length).Where(j => counts[j] > 0).OrderByDescending(j => counts[j]).ToArray();
        string shown = string.Join(", ", columns.Take(5).Select(j => $"{CsvLoader.Show(_columns[j])} {counts[j]}{detail(j)}"));
        return columns.Length > 5 ? $"{shown}, … {columns.Length} columns" : shown;
    }
}
