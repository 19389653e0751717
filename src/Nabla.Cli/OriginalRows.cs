using Sylvan.Data.Csv;

namespace Nabla.Cli;

/// <summary>
/// Rows of a CSV file exactly as the file has them — every column, the dropped ones and the target included, as
/// text — for showing the examples a model got wrong next to what the user knows about them. Row numbers count data
/// rows from 1 (the header excluded) in file order, the order in which evaluation reads them.
/// </summary>
/// <param name="Header">The column names (column0, column1, … when the file has no header).</param>
/// <param name="Rows">The cells of each requested row, by 0-based data row index.</param>
internal sealed record OriginalRows(IReadOnlyList<string> Header, IReadOnlyDictionary<int, string[]> Rows)
{
    /// <summary>
    /// Reads the data rows <paramref name="wanted"/> (0-based) of <paramref name="path"/>, whose loader read
    /// <paramref name="dataRows"/> data rows. Blank lines are skipped, as the loader skips them; whether the first
    /// record is a header follows from the count (one record more than the data rows). Null when the file no longer
    /// matches what was loaded (it changed, or cannot be read), so that callers fall back to the loaded columns.
    /// </summary>
    public static OriginalRows? Read(string path, int dataRows, IEnumerable<int> wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        try
        {
            int records = 0;
            using (CsvDataReader counter = Open(path))
            {
                while (counter.Read())
                {
                    records += IsBlank(counter) ? 0 : 1;
                }
            }

            bool header = records == dataRows + 1;
            if (!header && records != dataRows)
            {
                return null;
            }

            var rows = new HashSet<int>(wanted);
            var found = new Dictionary<int, string[]>();
            string[]? names = null;
            using CsvDataReader reader = Open(path);
            int index = header ? -1 : 0;
            while (reader.Read())
            {
                if (IsBlank(reader))
                {
                    continue;
                }

                // cells are made into strings only for the header and the rows asked for
                if (index == -1)
                {
                    names = Cells(reader).Select((n, j) => string.IsNullOrWhiteSpace(n) ? $"column{j}" : n.Trim()).ToArray();
                }
                else if (rows.Contains(index))
                {
                    found[index] = Cells(reader);
                }

                names ??= Enumerable.Range(0, reader.RowFieldCount).Select(j => $"column{j}").ToArray();
                index++;
            }

            return new OriginalRows(names ?? [], found);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CsvFormatException)
        {
            return null;
        }
    }

    private static string[] Cells(CsvDataReader reader) => Enumerable.Range(0, reader.RowFieldCount).Select(reader.GetString).ToArray();

    private static CsvDataReader Open(string path) => CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = false });

    private static bool IsBlank(CsvDataReader reader) => reader.RowFieldCount == 0 || (reader.RowFieldCount == 1 && reader.GetFieldSpan(0).IsWhiteSpace());
}
