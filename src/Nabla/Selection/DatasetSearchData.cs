using Nabla.Data;
using Nabla.Data.Preprocessing;

namespace Nabla.Selection;

/// <summary>A dataset for a search as it is (images, or features already prepared): folds are its rows, nothing is
/// fitted, and preprocessing settings do not apply.</summary>
public sealed class DatasetSearchData : ISearchData
{
    /// <summary>Searches <paramref name="data"/>.</summary>
    public DatasetSearchData(Dataset data) => Data = data ?? throw new ArgumentNullException(nameof(data));

    /// <summary>The dataset.</summary>
    public Dataset Data { get; }

    /// <inheritdoc/>
    public int Count => Data.Count;

    /// <inheritdoc/>
    public TaskKind Task => Data.Task;

    /// <inheritdoc/>
    public int[]? Labels => Data.Labels;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => Data.ClassNames ?? Enumerable.Range(0, Data.Labels is null ? 0 : Data.ClassCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <inheritdoc/>
    public PreparedFold Prepare(int[] fitRows, IReadOnlyList<int[]> otherRows, PreprocessingOptions preprocessing)
    {
        ArgumentNullException.ThrowIfNull(fitRows);
        ArgumentNullException.ThrowIfNull(otherRows);
        Dataset train = Data.Subset(fitRows);
        GC.KeepAlive(train.Targets);
        Dataset[] others = otherRows.Select(rows =>
        {
            Dataset part = Data.Subset(rows);
            GC.KeepAlive(part.Targets);
            return part;
        }).ToArray();
        return new PreparedFold(train, others, null);
    }
}
