using Nabla.Data;
using Nabla.Data.Preprocessing;

namespace Nabla.Selection;

/// <summary>A CSV table for a search: each fold fits its own <see cref="TabularPreprocessor"/> on its training rows.</summary>
public sealed class TabularSearchData : ISearchData
{
    /// <summary>Searches <paramref name="data"/>'s rows <paramref name="rows"/> (null: all), such as the training part
    /// left after a test split.</summary>
    public TabularSearchData(TabularData data, int[]? rows = null)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        Rows = rows ?? Enumerable.Range(0, data.Count).ToArray();
        if (Rows.Length == 0)
        {
            throw new ArgumentException("A search needs at least one row.");
        }
    }

    /// <summary>The table.</summary>
    public TabularData Data { get; }

    /// <summary>The table rows searched (row i of the search is table row Rows[i]).</summary>
    public int[] Rows { get; }

    /// <inheritdoc/>
    public int Count => Rows.Length;

    /// <inheritdoc/>
    public TaskKind Task => Data.Task;

    /// <inheritdoc/>
    public int[]? Labels => Data.Labels is { } labels ? Rows.Select(r => labels[r]).ToArray() : null;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => Data.ClassNames;

    /// <inheritdoc/>
    public PreparedFold Prepare(int[] fitRows, IReadOnlyList<int[]> otherRows, PreprocessingOptions preprocessing)
    {
        ArgumentNullException.ThrowIfNull(fitRows);
        ArgumentNullException.ThrowIfNull(otherRows);
        int[] fit = Map(fitRows);
        TabularPreprocessor preprocessor = TabularPreprocessor.Fit(Data, fit, preprocessing);
        Dataset train = Touch(preprocessor.ToDataset(Data, fit, out _));
        Dataset[] others = otherRows.Select(rows => Touch(preprocessor.ToDataset(Data, Map(rows), out _))).ToArray();
        return new PreparedFold(train, others, preprocessor);
    }

    private int[] Map(int[] rows) => rows.Select(r => Rows[r]).ToArray();

    // materialized now, so that candidates training at once on several threads only read the datasets
    private static Dataset Touch(Dataset data)
    {
        GC.KeepAlive(data.Features);
        GC.KeepAlive(data.Targets);
        return data;
    }
}
