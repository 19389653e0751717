using System.Globalization;

namespace Nabla.Data;

/// <summary>
/// The time axis of a series: the values of its date column — numbers (years: 1700, 1701, …) or dates and times
/// (2012-01-01 or 2012/01/01, ISO 8601) — checked to be strictly increasing, and continued past the end for a forecast.
/// </summary>
/// <remarks>The step used to continue is the most common difference between consecutive values (ties: the latest);
/// dates that all fall on the same day of the month a constant number of months apart continue by months. Continued
/// dates are written in the style of the column (year-month-day with its separator, a time when any value has one;
/// whole numbers stay whole).</remarks>
public sealed class SeriesDates
{
    private readonly double[]? _numbers;
    private readonly DateTime[]? _dates;
    private readonly string _dateFormat = "yyyy-MM-dd";

    private SeriesDates(string column, string[] texts, double[]? numbers, DateTime[]? dates, string dateFormat)
    {
        (Column, Texts, _numbers, _dates, _dateFormat) = (column, texts, numbers, dates, dateFormat);
    }

    /// <summary>The date column's name.</summary>
    public string Column { get; }

    /// <summary>Whether the values are dates (rather than numbers such as years).</summary>
    public bool IsCalendar => _dates is not null;

    /// <summary>The values as written in the file.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Each value as a number for plotting: itself, or a date's OLE automation date (days since 1899-12-30).</summary>
    public double Position(int index) => _numbers?[index] ?? _dates![index].ToOADate();

    /// <summary>Reads the date column <paramref name="column"/> from its <paramref name="cells"/> (the first on line
    /// <paramref name="firstLine"/> of <paramref name="path"/>).</summary>
    /// <exception cref="DataFormatException">A value that is neither a number nor a date, or one that is not after the
    /// value before it (unsorted or duplicate dates); the message names the line.</exception>
    public static SeriesDates Parse(string path, string column, string[] cells, int firstLine)
    {
        ArgumentNullException.ThrowIfNull(cells);
        bool numeric = cells.All(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v));
        double[]? numbers = null;
        DateTime[]? dates = null;
        if (numeric)
        {
            numbers = cells.Select(c => double.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        }
        else
        {
            dates = new DateTime[cells.Length];
            for (int i = 0; i < cells.Length; i++)
            {
                if (!DateTime.TryParse(cells[i], CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind, out dates[i]))
                {
                    throw new DataFormatException($"{path}: line {firstLine + i}, date column '{column}': '{cells[i]}' is neither a date (2012-01-31) nor a number (a year); pick the date column with --date, or --date none.");
                }
            }
        }

        for (int i = 1; i < cells.Length; i++)
        {
            int order = numbers is not null ? numbers[i].CompareTo(numbers[i - 1]) : dates![i].CompareTo(dates[i - 1]);
            if (order <= 0)
            {
                string problem = order == 0 ? $"repeats the date of line {firstLine + i - 1}" : $"comes before '{cells[i - 1]}' on line {firstLine + i - 1}";
                throw new DataFormatException($"{path}: line {firstLine + i}, date column '{column}': '{cells[i]}' {problem}: the rows must be in time order, one per date (sort the file and remove duplicates).");
            }
        }

        string format = cells.Length > 0 && cells[0].Contains('/', StringComparison.Ordinal) ? "yyyy/MM/dd" : "yyyy-MM-dd";
        if (dates is not null && dates.Any(d => d.TimeOfDay != TimeSpan.Zero))
        {
            format += "THH:mm:ss";
        }

        return new SeriesDates(column, cells, numbers, dates, format);
    }

    /// <summary>The <paramref name="count"/> values after the last one, in the column's style.</summary>
    public IReadOnlyList<string> Continue(int count)
    {
        var result = new string[count];
        if (_numbers is { } numbers)
        {
            double step = MostCommon(Enumerable.Range(1, numbers.Length - 1).Select(i => numbers[i] - numbers[i - 1]), 1.0);
            bool whole = numbers.All(v => v == Math.Floor(v)) && step == Math.Floor(step);
            for (int k = 0; k < count; k++)
            {
                double value = numbers[^1] + (k + 1) * step;
                result[k] = whole ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("G10", CultureInfo.InvariantCulture);
            }

            return result;
        }

        DateTime[] dates = _dates!;
        int months = dates.Length > 1 ? MonthsBetween(dates[^2], dates[^1]) : 0;
        bool monthly = months > 0 && Enumerable.Range(1, dates.Length - 1).All(i => MonthsBetween(dates[i - 1], dates[i]) == months);
        TimeSpan span = TimeSpan.FromTicks((long)MostCommon(Enumerable.Range(1, dates.Length - 1).Select(i => (double)(dates[i] - dates[i - 1]).Ticks), TimeSpan.TicksPerDay));
        for (int k = 0; k < count; k++)
        {
            DateTime next = monthly ? dates[^1].AddMonths((k + 1) * months) : dates[^1] + (k + 1) * span;
            result[k] = next.ToString(_dateFormat, CultureInfo.InvariantCulture);
        }

        return result;
    }

    /// <summary>Whole months from <paramref name="a"/> to <paramref name="b"/> when both fall on the same day and time of
    /// the month, else 0.</summary>
    private static int MonthsBetween(DateTime a, DateTime b) =>
        a.Day == b.Day && a.TimeOfDay == b.TimeOfDay ? (b.Year - a.Year) * 12 + b.Month - a.Month : 0;

    private static double MostCommon(IEnumerable<double> differences, double fallback)
    {
        double[] all = differences.ToArray();
        if (all.Length == 0)
        {
            return fallback;
        }

        // the most frequent difference; among equally frequent ones, the one seen last
        return all.Select((d, i) => (d, i)).GroupBy(p => p.d).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(p => p.i)).First().Key;
    }
}
