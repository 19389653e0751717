using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Selection;

namespace Nabla.Tests.Selection;

/// <summary>Small tables for the search tests, read through the CSV loader as nabla search reads them.</summary>
internal static class SelectionData
{
    /// <summary>The table of <paramref name="csv"/> (written to a temporary file, read, and the file removed).</summary>
    public static TabularData Table(string csv, string? target = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"nabla-selection-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, csv);
        try
        {
            return Tabular.FromTable(CsvLoader.Load(path, new CsvOptions { Target = target }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Three classes that two features separate, <paramref name="rows"/> rows, seeded.</summary>
    public static TabularData ThreeClasses(int rows = 60, int seed = 1)
    {
        var random = new Random(seed);
        var text = new StringBuilder("a,b,kind\n");
        for (int i = 0; i < rows; i++)
        {
            int k = i % 3;
            double a = k + random.NextDouble() * 0.8, b = (k == 1 ? 1 : 0) + random.NextDouble() * 0.8;
            text.Append(CultureInfo.InvariantCulture, $"{a:F3},{b:F3},{"xyz"[k]}\n");
        }

        return Table(text.ToString());
    }

    /// <summary>y = 3a − 2b + noise, <paramref name="rows"/> rows.</summary>
    public static TabularData Regression(int rows = 60, int seed = 2)
    {
        var random = new Random(seed);
        var text = new StringBuilder("a,b,y\n");
        for (int i = 0; i < rows; i++)
        {
            double a = random.NextDouble() * 4, b = random.NextDouble() * 2;
            text.Append(CultureInfo.InvariantCulture, $"{a:F3},{b:F3},{3 * a - 2 * b + random.NextDouble() * 0.1:F3}\n");
        }

        return Table(text.ToString());
    }

    /// <summary>An <see cref="ISearchData"/> that fails the test if anything is prepared (that is, trained).</summary>
    public sealed class Untouchable(ISearchData inner) : ISearchData
    {
        public int Count => inner.Count;

        public TaskKind Task => inner.Task;

        public int[]? Labels => inner.Labels;

        public IReadOnlyList<string> ClassNames => inner.ClassNames;

        public PreparedFold Prepare(int[] fitRows, IReadOnlyList<int[]> otherRows, PreprocessingOptions preprocessing) =>
            throw new InvalidOperationException("a fold was prepared: training started");
    }

    /// <summary>An <see cref="ISearchData"/> that records every fold it prepares.</summary>
    public sealed class Recording(ISearchData inner) : ISearchData
    {
        private readonly List<(int[] FitRows, int[][] OtherRows, PreparedFold Fold)> _prepared = [];

        public IReadOnlyList<(int[] FitRows, int[][] OtherRows, PreparedFold Fold)> Prepared
        {
            get
            {
                lock (_prepared)
                {
                    return [.. _prepared];
                }
            }
        }

        public int Count => inner.Count;

        public TaskKind Task => inner.Task;

        public int[]? Labels => inner.Labels;

        public IReadOnlyList<string> ClassNames => inner.ClassNames;

        public PreparedFold Prepare(int[] fitRows, IReadOnlyList<int[]> otherRows, PreprocessingOptions preprocessing)
        {
            PreparedFold fold = inner.Prepare(fitRows, otherRows, preprocessing);
            lock (_prepared)
            {
                _prepared.Add((fitRows, [.. otherRows], fold));
            }

            return fold;
        }
    }
}
