using Nabla.Data;
using Nabla.Data.Preprocessing;

namespace Nabla.Selection;

/// <summary>
/// Data that cross-validation can cut by rows and prepare fold by fold, so that every fitted step — imputation,
/// categories, scaling, the target's standardization — sees the fold's training rows only (no leakage).
/// <see cref="TabularSearchData"/> fits a <see cref="TabularPreprocessor"/> per fold; <see cref="DatasetSearchData"/>
/// takes a dataset as it is (images: nothing is fitted).
/// </summary>
public interface ISearchData
{
    /// <summary>Rows.</summary>
    int Count { get; }

    /// <summary>The task.</summary>
    TaskKind Task { get; }

    /// <summary>The class of each row, for stratified folds (null for regression).</summary>
    int[]? Labels { get; }

    /// <summary>The class names, in label order (empty for regression).</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Fits what needs fitting on <paramref name="fitRows"/> with <paramref name="preprocessing"/> and applies
    /// it to those rows and to each of <paramref name="otherRows"/>.</summary>
    PreparedFold Prepare(int[] fitRows, IReadOnlyList<int[]> otherRows, PreprocessingOptions preprocessing);
}
