using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Selection;
using Nabla.Training;

namespace Nabla.Tests.Selection;

/// <summary>
/// No leakage: every fitted step of the table preprocessing — the scaler, the imputer's medians, the categories, the
/// target's standardization — sees only the rows a fold trains on. A feature's scale differs between the folds (sizes
/// of 1–10, then 10–100, then thousands; the last third also has heavier weights, a colour never seen before and
/// prices a thousand times higher), so statistics fitted on all rows, or also on a fold's held-out or validation rows,
/// differ from the training rows' own and these checks fail (the last test is that control).
/// </summary>
public sealed class LeakageTests
{
    /// <summary>60 houses: sizes 1–10 in rows 0–19, 10–100 in rows 20–39, 1,000–10,000 in rows 40–59; rows 40–59 on
    /// another scale in every column; every fifth weight is missing.</summary>
    private static TabularData Houses(bool classes = false)
    {
        var text = new StringBuilder("size,color,weight,price\n");
        for (int i = 0; i < 60; i++)
        {
            bool late = i >= 40;
            double size = (i % 10 + 1) * (late ? 1000 : i < 20 ? 1 : 10);
            string color = late ? "green" : i % 2 == 0 ? "red" : "blue";
            string weight = i % 5 == 0 ? "NA" : (late ? 500 + i : i < 20 ? 50 + i : 70 + i).ToString(CultureInfo.InvariantCulture);
            string price = classes ? (i % 3 == 0 ? "cheap" : "dear") : (size * 3 + i % 7).ToString(CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{size},{color},{weight},{price}\n");
        }

        return SelectionData.Table(text.ToString());
    }

    private static float Median(IEnumerable<float> values)
    {
        float[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Asserts that <paramref name="fold"/>'s preprocessing holds the statistics of <paramref name="rows"/>
    /// exactly and, where they differ, not those of <paramref name="leaked"/> (rows it must not have seen).</summary>
    private static void AssertFittedOn(TabularData table, PreparedFold fold, int[] rows, int[] leaked)
    {
        TabularPreprocessor preprocessor = fold.Preprocessor!;
        float[] size = table.Table.Columns[0].Numbers!, weight = table.Table.Columns[2].Numbers!;
        int sizeInput = preprocessor.OutputNames.ToList().IndexOf("size");

        // the scaler: the training rows' mean and deviation of size
        double mean = rows.Average(r => (double)size[r]);
        double std = Math.Sqrt(rows.Average(r => (size[r] - mean) * (size[r] - mean)));
        Assert.Equal(mean, preprocessor.Scaler.Offset[sizeInput], 3);
        Assert.Equal(1 / std, preprocessor.Scaler.Scale[sizeInput], 6);
        Assert.True(Math.Abs(rows.Concat(leaked).Average(r => (double)size[r]) - mean) > 1, "the test cannot tell a leaked fit");

        // the imputer: the median of the training rows' weights that are present
        var imputer = preprocessor.Columns.OfType<NumericEncoder>().Single(c => c.Name == "weight");
        Assert.Equal(Median(rows.Select(r => weight[r]).Where(w => !float.IsNaN(w))), imputer.Fill);
        Assert.Equal(rows.Count(r => float.IsNaN(weight[r])), imputer.MissingInTraining);

        // the categories: those of the training rows only
        var colors = preprocessor.Columns.OfType<OneHotEncoder>().Single(c => c.Name == "color");
        Assert.Equal(rows.Select(r => table.Table.Columns[1].Levels[table.Table.Columns[1].Codes![r]]).Distinct().Order(), colors.Categories.Order());

        // the target's standardization (regression)
        if (table.Values is { } price)
        {
            Assert.Equal(rows.Average(r => (double)price[r]), preprocessor.TargetMean, 6);
            Assert.Equal(fold.Train.Count, rows.Length);
        }
    }

    [Fact]
    public void Each_expanding_window_fold_fits_scaler_imputer_categories_and_target_on_its_training_rows_only()
    {
        TabularData table = Houses();
        var data = new SelectionData.Recording(new TabularSearchData(table));
        SearchResult result = GridSearch.Run(data, ParameterSpace.Parse("lr=0.01"), new TrainingRecipe { Hidden = [4], Epochs = 1 },
            options: new SearchOptions { Folds = 2, FoldKind = FoldKind.ExpandingWindow, Parallelism = 1 });
        Assert.Equal(2, result.Best!.SplitScores.Length);

        // blocks of 20 rows: fold 0 trains on rows 0–19 and tests on 20–39, fold 1 trains on 0–39 and tests on 40–59
        var prepared = data.Prepared.OrderBy(p => p.FitRows.Length).ToArray();
        Assert.Equal(2, prepared.Length);
        for (int k = 0; k < 2; k++)
        {
            var (fitRows, otherRows, fold) = prepared[k];
            int[] train = [.. Enumerable.Range(0, 20 * (k + 1))], test = [.. Enumerable.Range(20 * (k + 1), 20)];
            Assert.Equal(train, fitRows.Order());
            Assert.Equal(test, Assert.Single(otherRows).Order());
            AssertFittedOn(table, fold, train, test);
            Assert.DoesNotContain("green", fold.Preprocessor!.Columns.OfType<OneHotEncoder>().Single().Categories);
        }

        // the last fold's held-out sizes (thousands) are scaled with the training rows' statistics (1 to 100): far
        // above the 3 or less that a scaler fitted on them too would give
        var (_, _, last) = prepared[1];
        int sizeInput = last.Preprocessor!.OutputNames.ToList().IndexOf("size");
        int width = last.Preprocessor.OutputWidth;
        float[] heldOut = last.Others[0].Features.Span.ToArray();
        Assert.All(Enumerable.Range(0, 20), i => Assert.True(heldOut[i * width + sizeInput] > 10, $"{heldOut[i * width + sizeInput]}"));
        // the colour the training rows never had lights no one-hot input
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(0f, Enumerable.Range(0, width).Where(j => last.Preprocessor.OutputNames[j].StartsWith("color", StringComparison.Ordinal)).Sum(j => heldOut[i * width + j])));
    }

    [Fact]
    public void Stratified_folds_with_a_validation_split_fit_on_the_rows_left_after_both_are_held_out()
    {
        TabularData table = Houses(classes: true);
        var data = new SelectionData.Recording(new TabularSearchData(table));
        GridSearch.Run(data, ParameterSpace.Parse("lr=0.01,0.02"), new TrainingRecipe { Hidden = [4], Epochs = 1, ValidationSplit = 0.25 },
            options: new SearchOptions { Folds = 3 });

        // one preparation per fold, shared by the two candidates
        var prepared = data.Prepared;
        Assert.Equal(3, prepared.Count);
        Assert.Equal(Enumerable.Range(0, 60), prepared.SelectMany(p => p.OtherRows[0]).Order()); // every row held out once
        foreach (var (fitRows, otherRows, fold) in prepared)
        {
            int[] test = otherRows[0], validation = otherRows[1];
            Assert.Equal(2, otherRows.Length);
            Assert.Empty(fitRows.Intersect(test));
            Assert.Empty(fitRows.Intersect(validation));
            Assert.Empty(test.Intersect(validation));
            Assert.Equal(60, fitRows.Length + test.Length + validation.Length);
            AssertFittedOn(table, fold, fitRows, [.. test, .. validation]);
            Assert.Equal(validation.Length, fold.Others[1].Count);
        }
    }

    [Fact]
    public void Preprocessing_fitted_on_every_row_would_be_seen_by_these_checks()
    {
        // the control: a preprocessor fitted on all 60 rows fails the check for fold 0's training rows
        TabularData table = Houses();
        var leaky = new TabularSearchData(table).Prepare([.. Enumerable.Range(0, 60)], [], new PreprocessingOptions());
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertFittedOn(table, leaky, [.. Enumerable.Range(0, 20)], [.. Enumerable.Range(20, 40)]));
    }
}
