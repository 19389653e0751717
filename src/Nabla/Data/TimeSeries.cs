using System.Globalization;
using Sylvan.Data.Csv;

namespace Nabla.Data;

/// <summary>Which columns of a CSV file make a time series.</summary>
public sealed record TimeSeriesOptions
{
    /// <summary>The column to forecast, by name or 0-based index; null: the last numeric column that is not the date.</summary>
    public string? Target { get; init; }

    /// <summary>The date column by name or index; "none" for a series without one; null: a column named date, time,
    /// timestamp, datetime, year, month, day, week, period or ds, else the first whose values are dates.</summary>
    public string? DateColumn { get; init; }

    /// <summary>Columns that are not covariates, by name or index.</summary>
    public IReadOnlyList<string> Drop { get; init; } = [];

    /// <summary>A trained model's columns (target first, then covariates), taken by name; null: target, then every other
    /// numeric column.</summary>
    public IReadOnlyList<string>? Columns { get; init; }
}

/// <summary>
/// A time series from a CSV file with a header: the target column first, then the numeric covariates (the other columns
/// whose first value is a number; columns of text, such as a weather class, are left out), one row per time step in
/// file order, and the date column when there is one (<see cref="SeriesDates"/>: strictly increasing).
/// </summary>
/// <remarks>Every value of the target and the covariates must be a finite number — a missing or non-numeric value is
/// refused naming its line and column (fill it in, or drop a covariate with <see cref="TimeSeriesOptions.Drop"/>).</remarks>
public sealed class TimeSeries
{
    private static readonly string[] s_dateNames = ["date", "time", "timestamp", "datetime", "year", "month", "day", "week", "period", "ds"];

    private TimeSeries(string path, IReadOnlyList<string> columns, float[] values, int rows, SeriesDates? dates, IReadOnlyList<string> leftOut)
    {
        (Path, Columns, Values, Rows, Dates, LeftOut) = (path, columns, values, rows, dates, leftOut);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The target's name, then the covariates'.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The target's name.</summary>
    public string Target => Columns[0];

    /// <summary>[rows, columns], row-major, in <see cref="Columns"/> order.</summary>
    public float[] Values { get; }

    /// <summary>Time steps.</summary>
    public int Rows { get; }

    /// <summary>The time axis, or null without a date column.</summary>
    public SeriesDates? Dates { get; }

    /// <summary>Columns of text that are not used (neither date, target nor covariate).</summary>
    public IReadOnlyList<string> LeftOut { get; }

    /// <summary>The target at step <paramref name="row"/>.</summary>
    public float TargetAt(int row) => Values[row * Columns.Count];

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file is missing, has no header or data, a bad target, covariate or date
    /// value, or unsorted or duplicate dates; the message names the file, line and column.</exception>
    public static TimeSeries Load(string path, TimeSeriesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string[]> rows = ReadRows(path);
        string[] header = rows[0];
        if (header.All(IsNumber))
        {
            throw new DataFormatException($"{path}: a time series needs a header row naming its columns (the first row is all numbers).");
        }

        rows.RemoveAt(0);
        if (rows.Count == 0)
        {
            throw new DataFormatException($"{path}: no data rows after the header.");
        }

        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != header.Length)
            {
                throw new DataFormatException($"{path}: line {i + 2} has {rows[i].Length} fields but the header has {header.Length}.");
            }
        }

        string[] names = header.Select((n, j) => string.IsNullOrWhiteSpace(n) ? $"column{j}" : n.Trim()).ToArray();
        int date = FindDate(path, names, rows, options.DateColumn);
        var dropped = new HashSet<int>(options.Drop.Select(d => Find(path, names, d, "--drop")));
        int target = options.Target is not null ? Find(path, names, options.Target, "--target")
            : options.Columns is { Count: > 0 } columns ? Find(path, names, columns[0], "the model's target")
            : Enumerable.Range(0, names.Length).Reverse().FirstOrDefault(j => j != date && !dropped.Contains(j) && IsNumber(rows[0][j]), -1);
        if (target < 0)
        {
            throw new DataFormatException($"{path}: no numeric column to forecast (columns: {string.Join(", ", names)}); name one with --target.");
        }

        if (target == date)
        {
            throw new DataFormatException($"{path}: --target '{names[target]}' is the date column; forecast another column, or give --date none.");
        }

        var used = new List<int> { target };
        var leftOut = new List<string>();
        if (options.Columns is { } wanted)
        {
            used.AddRange(wanted.Skip(1).Select(n => Find(path, names, n, "the model's covariate")));
        }
        else
        {
            for (int j = 0; j < names.Length; j++)
            {
                if (j == target || j == date || dropped.Contains(j))
                {
                    continue;
                }

                if (IsNumber(rows[0][j]))
                {
                    used.Add(j);
                }
                else
                {
                    leftOut.Add(names[j]);
                }
            }
        }

        var values = new float[rows.Count * used.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            for (int c = 0; c < used.Count; c++)
            {
                string cell = rows[i][used[c]].Trim();
                if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                {
                    string role = c == 0 ? "the target" : "a covariate (fill it in, or --drop the column)";
                    string problem = cell.Length == 0 || cell.Equals("NA", StringComparison.OrdinalIgnoreCase) || cell.Equals("NaN", StringComparison.OrdinalIgnoreCase)
                        ? $"a missing value in {role}" : $"'{cell}' in {role} is not a finite number";
                    throw new DataFormatException($"{path}: line {i + 2}, column '{names[used[c]]}': {problem}; forecasting needs a number at every step.");
                }

                values[i * used.Count + c] = value;
            }
        }

        SeriesDates? dates = date < 0 ? null : SeriesDates.Parse(path, names[date], rows.Select(r => r[date].Trim()).ToArray(), firstLine: 2);
        return new TimeSeries(path, used.Select(j => names[j]).ToArray(), values, rows.Count, dates, leftOut);
    }

    private static List<string[]> ReadRows(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found.");
        }

        try
        {
            using CsvDataReader reader = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = false });
            var rows = new List<string[]>();
            while (reader.Read())
            {
                var row = new string[reader.RowFieldCount];
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = reader.GetString(j);
                }

                rows.Add(row);
            }

            return rows.Count > 0 ? rows : throw new DataFormatException($"{path}: the file is empty.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CsvFormatException)
        {
            throw new DataFormatException($"{path}: cannot read the file ({ex.Message}).", ex);
        }
    }

    private static bool IsNumber(string text) => double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static int FindDate(string path, string[] names, List<string[]> rows, string? requested)
    {
        if (requested is not null)
        {
            return requested.Equals("none", StringComparison.OrdinalIgnoreCase) ? -1 : Find(path, names, requested, "--date");
        }

        int named = Array.FindIndex(names, n => s_dateNames.Contains(n.ToLowerInvariant()));
        if (named >= 0)
        {
            return named;
        }

        for (int j = 0; j < names.Length; j++)
        {
            if (!IsNumber(rows[0][j]) && DateTime.TryParse(rows[0][j], CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out _))
            {
                return j;
            }
        }

        return -1;
    }

    private static int Find(string path, string[] names, string spec, string option)
    {
        int j = Array.FindIndex(names, n => string.Equals(n, spec.Trim(), StringComparison.OrdinalIgnoreCase));
        if (j >= 0)
        {
            return j;
        }

        if (int.TryParse(spec, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < names.Length)
        {
            return index;
        }

        throw new DataFormatException($"{path}: {option} '{spec}' is not a column (columns: {string.Join(", ", names)}).");
    }
}
