using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>
/// k-fold cross-validation of one recipe (scikit-learn's <c>cross_validate</c>): each fold's preprocessing is fitted
/// on that fold's training rows only, a fresh model is trained from the recipe and scored on the fold's held-out rows.
/// </summary>
public static class CrossValidation
{
    /// <summary>Cross-validates <paramref name="recipe"/> on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">Bad settings or folds (see <see cref="Folds"/>), naming the option.</exception>
    public static CandidateResult Run(ISearchData data, TrainingRecipe recipe, PreprocessingOptions? preprocessing = null, SearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(recipe);
        SearchCandidate candidate = SearchCandidate.Create(0, [], recipe, preprocessing ?? new PreprocessingOptions());
        SearchResult result = SearchRunner.Run(data, [candidate], (options ?? new SearchOptions()) with { Halving = false }, []);
        return result.Results.Count > 0 ? result.Results[0] : new CandidateResult(candidate, [], [], [], [], 0, 0);
    }

    /// <summary>
    /// The folds of <paramref name="data"/>'s rows: (training rows, held-out rows) per fold, seeded by
    /// <paramref name="seed"/> (expanding windows keep the rows' order and need no seed).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 folds, more folds than rows, or — stratified — more folds than
    /// the smallest class has rows (scikit-learn's StratifiedKFold refuses it too), naming <c>--cv</c> and the class.</exception>
    public static IReadOnlyList<(int[] Train, int[] Test)> Folds(ISearchData data, FoldKind kind, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (folds < 2)
        {
            throw new ArgumentException($"--cv must be at least 2 folds, got {folds}.");
        }

        int limit = kind == FoldKind.ExpandingWindow ? data.Count - 1 : data.Count;
        if (folds > limit)
        {
            throw new ArgumentException($"--cv {folds}: more folds than the {data.Count} rows searched allow (at most {limit}).");
        }

        switch (kind)
        {
            case FoldKind.Stratified:
                int[] labels = data.Labels ?? throw new ArgumentException("--cv: stratified folds need class labels; the target is a number (use k-fold).");
                var counts = labels.GroupBy(l => l).Select(g => (Class: g.Key, Count: g.Count())).OrderBy(p => p.Count).ThenBy(p => p.Class).ToArray();
                if (counts[0].Count < folds)
                {
                    string name = counts[0].Class < data.ClassNames.Count ? data.ClassNames[counts[0].Class] : counts[0].Class.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    throw new ArgumentException($"--cv {folds}: the smallest class ('{CsvLoader.Show(name)}') has {counts[0].Count} rows in the data searched, and stratified folds need at least one of each class per fold: use --cv {Math.Max(2, counts[0].Count)} or fewer.");
                }

                return Splits.StratifiedKFold(labels, folds, seed);
            case FoldKind.KFold:
                return Splits.KFold(data.Count, folds, seed);
            default:
                return Splits.ExpandingWindow(data.Count, folds);
        }
    }
}
