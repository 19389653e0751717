using System.Text;
using Nabla.Data;
using Nabla.Selection;

namespace Nabla.Tests.Selection;

/// <summary>The folds cross-validation cuts: stratified (every class in every fold, in its share), k-fold, expanding
/// windows (scikit-learn's TimeSeriesSplit), and the refusals that name --cv.</summary>
public sealed class FoldTests
{
    /// <summary>60 rows of a, 30 of b, 15 of c, interleaved.</summary>
    private static TabularData Unbalanced()
    {
        var text = new StringBuilder("x,label\n");
        for (int i = 0; i < 105; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},{(i % 7 < 4 ? "a" : i % 7 < 6 ? "b" : "c")}\n");
        }

        return SelectionData.Table(text.ToString());
    }

    private static void AssertPartition(IReadOnlyList<(int[] Train, int[] Test)> folds, int rows)
    {
        Assert.Equal(Enumerable.Range(0, rows), folds.SelectMany(f => f.Test).Order());
        Assert.All(folds, f => Assert.Empty(f.Train.Intersect(f.Test)));
        Assert.All(folds, f => Assert.Equal(Enumerable.Range(0, rows), f.Train.Concat(f.Test).Order()));
    }

    [Fact]
    public void Stratified_folds_hold_each_class_in_its_share_and_test_every_row_once()
    {
        var data = new TabularSearchData(Unbalanced());
        int[] labels = data.Labels!;
        Assert.Equal([60, 30, 15], Enumerable.Range(0, 3).Select(c => labels.Count(l => l == c)));
        var folds = CrossValidation.Folds(data, FoldKind.Stratified, 5, seed: 0);
        Assert.Equal(5, folds.Count);
        AssertPartition(folds, 105);
        foreach (var (_, test) in folds)
        {
            Assert.Equal([12, 6, 3], Enumerable.Range(0, 3).Select(c => test.Count(r => labels[r] == c)));
        }

        // seeded: the same folds for the same seed, others for another
        Assert.Equal(folds.Select(f => f.Test), CrossValidation.Folds(data, FoldKind.Stratified, 5, seed: 0).Select(f => f.Test));
        Assert.NotEqual(folds[0].Test.Order(), CrossValidation.Folds(data, FoldKind.Stratified, 5, seed: 1)[0].Test.Order());
    }

    [Fact]
    public void Stratified_folds_of_uneven_classes_differ_by_at_most_one_row_of_each_class()
    {
        var data = new TabularSearchData(Unbalanced());
        int[] labels = data.Labels!;
        var folds = CrossValidation.Folds(data, FoldKind.Stratified, 4, seed: 2);
        AssertPartition(folds, 105);
        for (int c = 0; c < 3; c++)
        {
            int[] counts = folds.Select(f => f.Test.Count(r => labels[r] == c)).ToArray();
            Assert.True(counts.Max() - counts.Min() <= 1, $"class {c}: {string.Join(", ", counts)}");
        }

        int[] sizes = folds.Select(f => f.Test.Length).ToArray();
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(", ", sizes));
    }

    [Fact]
    public void K_fold_is_the_default_for_regression_shuffled_and_even()
    {
        var data = new TabularSearchData(SelectionData.Regression(rows: 23));
        var folds = CrossValidation.Folds(data, FoldKind.KFold, 5, seed: 3);
        AssertPartition(folds, 23);
        Assert.Equal([4, 4, 5, 5, 5], folds.Select(f => f.Test.Length).Order());
        // shuffled: the first fold is not the first rows
        Assert.NotEqual(Enumerable.Range(0, folds[0].Test.Length), folds[0].Test.Order());

        // a search on a regression target cuts k-fold folds unless told otherwise, and stratified ones are refused
        SearchResult result = CrossValidationRun(data, new SearchOptions { Folds = 3 });
        Assert.Equal(FoldKind.KFold, result.FoldKind);
        Assert.Equal("--cv: stratified folds need class labels; the target is a number (use k-fold).",
            Assert.Throws<ArgumentException>(() => CrossValidation.Folds(data, FoldKind.Stratified, 3, 0)).Message);
    }

    private static SearchResult CrossValidationRun(ISearchData data, SearchOptions options) =>
        GridSearch.Run(data, ParameterSpace.Parse("epochs=1"), new Nabla.Training.TrainingRecipe { Hidden = [2] }, options: options);

    [Fact]
    public void Expanding_windows_train_on_the_past_only_as_scikit_learn_time_series_split()
    {
        var data = new TabularSearchData(SelectionData.Regression(rows: 100));
        var folds = CrossValidation.Folds(data, FoldKind.ExpandingWindow, 4, seed: 99);
        // TimeSeriesSplit(n_splits=4) on 100 rows: test blocks of 100 // 5 = 20 rows, starting at row 20
        Assert.Equal(4, folds.Count);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(Enumerable.Range(0, 20 + 20 * k), folds[k].Train);
            Assert.Equal(Enumerable.Range(20 + 20 * k, 20), folds[k].Test);
        }

        // 103 rows: the first training block takes the remainder
        var uneven = CrossValidation.Folds(new TabularSearchData(SelectionData.Regression(rows: 103)), FoldKind.ExpandingWindow, 4, seed: 0);
        Assert.Equal(Enumerable.Range(0, 23), uneven[0].Train);
        Assert.Equal(Enumerable.Range(83, 20), uneven[3].Test);
        Assert.Equal("--cv 100: more folds than the 100 rows searched allow (at most 99).",
            Assert.Throws<ArgumentException>(() => CrossValidation.Folds(data, FoldKind.ExpandingWindow, 100, 0)).Message);
    }

    [Fact]
    public void A_fold_count_above_the_smallest_class_is_refused_before_any_training_naming_the_class()
    {
        var data = new SelectionData.Untouchable(new TabularSearchData(Unbalanced()));
        Assert.Equal("--cv 16: the smallest class ('c') has 15 rows in the data searched, and stratified folds need at least one of each class per fold: use --cv 15 or fewer.",
            Assert.Throws<ArgumentException>(() => CrossValidation.Folds(data, FoldKind.Stratified, 16, 0)).Message);
        var error = Assert.Throws<ArgumentException>(() => GridSearch.Run(data, ParameterSpace.Parse("lr=0.1,0.01"), new Nabla.Training.TrainingRecipe(), options: new SearchOptions { Folds = 16 }));
        Assert.StartsWith("--cv 16: the smallest class ('c') has 15 rows", error.Message, StringComparison.Ordinal);
        // k-fold ignores classes
        Assert.Equal(16, CrossValidation.Folds(data, FoldKind.KFold, 16, 0).Count);

        Assert.Equal("--cv must be at least 2 folds, got 1.", Assert.Throws<ArgumentException>(() => CrossValidation.Folds(data, FoldKind.KFold, 1, 0)).Message);
        Assert.Equal("--cv 106: more folds than the 105 rows searched allow (at most 105).",
            Assert.Throws<ArgumentException>(() => CrossValidation.Folds(data, FoldKind.KFold, 106, 0)).Message);
    }

    [Fact]
    public void The_rows_searched_are_the_training_part_only()
    {
        TabularData table = Unbalanced();
        int[] trainRows = Enumerable.Range(0, 105).Where(r => r % 5 != 0).ToArray();
        var data = new TabularSearchData(table, trainRows);
        Assert.Equal(84, data.Count);
        Assert.Equal(trainRows.Select(r => table.Labels![r]), data.Labels!);
        PreparedFold fold = data.Prepare([0, 1, 2, 3], [[4, 5]], new Nabla.Data.Preprocessing.PreprocessingOptions { Scaling = ScalingKind.None });
        // search rows 0..5 are table rows 1, 2, 3, 4, 6, 7: the x column holds the table row number
        Assert.Equal([1f, 2f, 3f, 4f], fold.Train.Features.Span.ToArray());
        Assert.Equal([6f, 7f], fold.Others[0].Features.Span.ToArray());
        Assert.Throws<ArgumentException>(() => new TabularSearchData(table, []));
    }
}
