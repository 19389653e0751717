using Nabla.Metrics;

namespace Nabla.Tests.Metrics;

/// <summary>Expected values computed with scikit-learn 1.2.1 (Debian's python3-sklearn) on the same inputs.</summary>
public sealed class MetricsTests
{
    private static readonly int[] s_true = [0, 1, 2, 2, 2, 1, 0, 3];
    private static readonly int[] s_predicted = [0, 2, 2, 2, 1, 1, 0, 0]; // class 3 ("fish") is never predicted
    private static readonly string[] s_names = ["cat", "dog", "bird", "fish"];

    [Fact]
    public void Per_class_and_averaged_scores_match_scikit_learn_including_zero_division()
    {
        var m = new ClassificationMetrics(s_true, s_predicted, s_names);
        double[] precision = [0.66666667, 0.5, 0.66666667, 0], recall = [1, 0.5, 0.66666667, 0], f1 = [0.8, 0.5, 0.66666667, 0];
        int[] support = [2, 2, 3, 1];
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(precision[c], m.Classes[c].Precision, 6);
            Assert.Equal(recall[c], m.Classes[c].Recall, 6);
            Assert.Equal(f1[c], m.Classes[c].F1, 6);
            Assert.Equal(support[c], m.Classes[c].Support);
        }

        Assert.Equal(0.625, m.Accuracy, 10);
        Assert.Equal(0.45833333333333326, m.MacroAverage.Precision, 10);
        Assert.Equal(0.5416666666666666, m.MacroAverage.Recall, 10);
        Assert.Equal(0.4916666666666667, m.MacroAverage.F1, 10);
        Assert.Equal(0.5416666666666666, m.WeightedAverage.Precision, 10);
        Assert.Equal(0.625, m.WeightedAverage.Recall, 10);
        Assert.Equal(0.575, m.WeightedAverage.F1, 10);
        Assert.Equal(0.625, m.MicroAverage.F1, 10);
        int[,] expected = { { 2, 0, 0, 0 }, { 0, 1, 1, 0 }, { 0, 1, 2, 0 }, { 1, 0, 0, 0 } };
        Assert.Equal(expected, m.ConfusionMatrix);
    }

    [Fact]
    public void The_report_is_laid_out_like_classification_report()
    {
        string expected =
            "              precision    recall  f1-score   support\n\n" +
            "         cat       0.67      1.00      0.80         2\n" +
            "         dog       0.50      0.50      0.50         2\n" +
            "        bird       0.67      0.67      0.67         3\n" +
            "        fish       0.00      0.00      0.00         1\n\n" +
            "    accuracy                           0.62         8\n" +
            "   macro avg       0.46      0.54      0.49         8\n" +
            "weighted avg       0.54      0.62      0.57         8\n";
        Assert.Equal(expected, new ClassificationMetrics(s_true, s_predicted, s_names).Report());
    }

    [Fact]
    public void Log_loss_and_top_k_match_scikit_learn()
    {
        float[] p =
        [
            0.7f, 0.1f, 0.1f, 0.1f, 0.2f, 0.3f, 0.4f, 0.1f, 0.1f, 0.1f, 0.7f, 0.1f, 0.0f, 0.2f, 0.8f, 0.0f,
            0.3f, 0.4f, 0.2f, 0.1f, 0.1f, 0.6f, 0.2f, 0.1f, 0.5f, 0.3f, 0.1f, 0.1f, 0.6f, 0.1f, 0.1f, 0.2f,
        ];
        Assert.Equal(0.8204143590889684, ClassificationMetrics.LogLoss(s_true, p, 4), 6);
        Assert.Equal(0.625, ClassificationMetrics.TopKAccuracy(s_true, p, 4, 1), 10);
        Assert.Equal(0.875, ClassificationMetrics.TopKAccuracy(s_true, p, 4, 2), 10);
        Assert.Equal(1.0, ClassificationMetrics.TopKAccuracy(s_true, p, 4, 3), 10);
    }

    [Fact]
    public void Regression_metrics_match_scikit_learn()
    {
        var r = RegressionMetrics.Compute([3.0f, -0.5f, 2.0f, 7.0f], [2.5f, 0.0f, 2.0f, 8.0f]);
        Assert.Equal(0.375, r.MeanSquaredError, 10);
        Assert.Equal(Math.Sqrt(0.375), r.RootMeanSquaredError, 10);
        Assert.Equal(0.5, r.MeanAbsoluteError, 10);
        Assert.Equal(0.9486081370449679, r.R2, 8);
        Assert.Equal(1.0, RegressionMetrics.Compute([2f, 2f], [2f, 2f]).R2);
        Assert.Equal(0.0, RegressionMetrics.Compute([2f, 2f], [1f, 3f]).R2);
    }
}
