using Nabla.Data;
using Nabla.Selection;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Selection;

/// <summary>The scores against values worked out by hand with scikit-learn's formulas (accuracy_score,
/// balanced_accuracy_score, f1_score average="macro"/"weighted", log_loss, r2_score, root_mean_squared_error, …).</summary>
public sealed class ScoringTests
{
    // y_true = [0, 0, 0, 1, 1, 2], y_pred = [0, 1, 0, 1, 1, 0]; a fourth class occurs in neither (a rare class a fold lacks).
    private static readonly int[] s_true = [0, 0, 0, 1, 1, 2], s_predicted = [0, 1, 0, 1, 1, 0];

    private static readonly float[] s_probabilities =
    [
        0.7f, 0.2f, 0.1f, 0f,
        0.4f, 0.5f, 0.1f, 0f,
        0.8f, 0.1f, 0.1f, 0f,
        0.2f, 0.6f, 0.2f, 0f,
        0.05f, 0.9f, 0.05f, 0f,
        0.6f, 0.3f, 0.1f, 0f,
    ];

    private static double Score(string name)
    {
        var data = new Dataset(new Tensor(new float[6], new Shape(6, 1)), s_true, 4);
        var result = new EvaluationResult(0, 4 / 6.0, s_predicted, new Tensor(s_probabilities, new Shape(6, 4)));
        return Scoring.Score(name, data, result);
    }

    [Fact]
    public void Classification_scores_match_scikit_learn_including_classes_a_fold_lacks()
    {
        Assert.Equal(4 / 6.0, Score("accuracy"), 12);
        // class 0: precision 2/3, recall 2/3, F1 2/3; class 1: precision 2/3, recall 1, F1 0.8; class 2: 0, 0, 0;
        // class 3 is neither true nor predicted and does not count (scikit-learn's labels = unique(y_true ∪ y_pred))
        Assert.Equal((2 / 3.0 + 1 + 0) / 3, Score("balanced_accuracy"), 12);
        Assert.Equal((2 / 3.0 + 0.8 + 0) / 3, Score("f1_macro"), 12);
        Assert.Equal((3 * 2 / 3.0 + 2 * 0.8 + 1 * 0) / 6, Score("f1_weighted"), 12);
        double logLoss = -(Math.Log(0.7) + Math.Log(0.4) + Math.Log(0.8) + Math.Log(0.6) + Math.Log(0.9) + Math.Log(0.1)) / 6;
        Assert.Equal(-logLoss, Score("neg_log_loss"), 6);
    }

    [Fact]
    public void Binary_scores_read_the_single_output_as_the_probability_of_the_second_class()
    {
        int[] labels = [0, 1, 1, 0], predictions = [0, 1, 0, 0];
        var data = Dataset.Binary(new Tensor(new float[4], new Shape(4, 1)), labels);
        var result = new EvaluationResult(0, 0.75, predictions, new Tensor([0.2f, 0.7f, 0.4f, 0.1f], new Shape(4, 1)));
        Assert.Equal(0.75, Scoring.Score("accuracy", data, result), 12);
        Assert.Equal((Math.Log(0.8) + Math.Log(0.7) + Math.Log(0.4) + Math.Log(0.9)) / 4, Scoring.Score("neg_log_loss", data, result), 6);
        // class 0: precision 2/3, recall 1, F1 0.8; class 1: precision 1, recall 1/2, F1 2/3
        Assert.Equal((0.8 + 2 / 3.0) / 2, Scoring.Score("f1_macro", data, result), 12);
        Assert.Equal((1 + 0.5) / 2, Scoring.Score("balanced_accuracy", data, result), 12);
    }

    [Fact]
    public void Regression_scores_are_in_the_target_units()
    {
        // y = [8, 10, 14, 12], ŷ = [9, 10, 13, 12], standardized with mean 10 and deviation 2 as the fold's preprocessing does
        var data = Dataset.Regression(new Tensor(new float[4], new Shape(4, 1)), new Tensor([-1f, 0f, 2f, 1f], new Shape(4, 1)));
        var result = new EvaluationResult(0, double.NaN, null, new Tensor([-0.5f, 0f, 1.5f, 1f], new Shape(4, 1)));
        // errors −1, 0, 1, 0; ȳ = 11, Σ(y − ȳ)² = 20
        Assert.Equal(1 - 2 / 20.0, Scoring.Score("r2", data, result, targetMean: 10, targetStd: 2), 6);
        Assert.Equal(-0.5, Scoring.Score("neg_mse", data, result, 10, 2), 6);
        Assert.Equal(-Math.Sqrt(0.5), Scoring.Score("neg_rmse", data, result, 10, 2), 6);
        Assert.Equal(-0.5, Scoring.Score("neg_mae", data, result, 10, 2), 6);
        // the same rows scored in standardized units would be another number: the mapping back is applied
        Assert.Equal(-0.125, Scoring.Score("neg_mse", data, result), 6);
    }

    [Theory]
    [InlineData(null, TaskKind.Classification, "accuracy")]
    [InlineData(null, TaskKind.Binary, "accuracy")]
    [InlineData(null, TaskKind.Regression, "r2")]
    [InlineData("log_loss", TaskKind.Classification, "neg_log_loss")]
    [InlineData("F1-Macro", TaskKind.Classification, "f1_macro")]
    [InlineData("rmse", TaskKind.Regression, "neg_rmse")]
    [InlineData("neg_root_mean_squared_error", TaskKind.Regression, "neg_rmse")]
    [InlineData("mae", TaskKind.Regression, "neg_mae")]
    [InlineData("neg_mean_squared_error", TaskKind.Regression, "neg_mse")]
    public void Names_and_their_scikit_learn_aliases_resolve(string? name, TaskKind task, string expected) =>
        Assert.Equal(expected, Scoring.Resolve(name, task));

    [Theory]
    [InlineData("r2", TaskKind.Classification, "--scoring r2: not a score for a classification target (choose accuracy, balanced_accuracy, f1_macro, f1_weighted, neg_log_loss).")]
    [InlineData("accuracy", TaskKind.Regression, "--scoring accuracy: not a score for a regression target (choose r2, neg_rmse, neg_mae, neg_mse).")]
    [InlineData("auc", TaskKind.Binary, "--scoring auc: not a score for a classification target")]
    public void A_score_the_task_has_not_is_refused_naming_the_choices(string name, TaskKind task, string message) =>
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => Scoring.Resolve(name, task)).Message, StringComparison.Ordinal);
}
