using System.Globalization;
using System.Text;

namespace Nabla.Metrics;

/// <summary>Precision, recall, F1 and support of one class.</summary>
public sealed record ClassScores(string Name, double Precision, double Recall, double F1, int Support);

/// <summary>
/// Classification metrics from true and predicted labels, as scikit-learn computes them: precision = TP/(TP+FP),
/// recall = TP/(TP+FN), F1 = 2·P·R/(P+R); a ratio with a zero denominator is 0 (scikit-learn's default
/// <c>zero_division="warn"</c> also returns 0). Macro averages weigh every class alike, weighted averages by support,
/// and micro averages pool the counts (for single-label data micro P = R = F1 = accuracy).
/// </summary>
public sealed class ClassificationMetrics
{
    /// <summary>Computes the metrics; labels and predictions are class indices in [0, classNames.Count).</summary>
    public ClassificationMetrics(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (labels.Length != predictions.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {predictions.Length} predictions.");
        }

        int k = classNames.Count;
        ConfusionMatrix = new int[k, k];
        for (int i = 0; i < labels.Length; i++)
        {
            ConfusionMatrix[labels[i], predictions[i]]++;
        }

        var classes = new List<ClassScores>();
        int correct = 0;
        for (int c = 0; c < k; c++)
        {
            int truePositives = ConfusionMatrix[c, c], predicted = 0, actual = 0;
            for (int j = 0; j < k; j++)
            {
                predicted += ConfusionMatrix[j, c];
                actual += ConfusionMatrix[c, j];
            }

            double precision = Ratio(truePositives, predicted), recall = Ratio(truePositives, actual);
            classes.Add(new ClassScores(classNames[c], precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), actual));
            correct += truePositives;
        }

        Classes = classes;
        Count = labels.Length;
        Accuracy = Ratio(correct, labels.Length);
        MacroAverage = new ClassScores("macro avg", classes.Average(c => c.Precision), classes.Average(c => c.Recall), classes.Average(c => c.F1), Count);
        double total = Math.Max(1, Count);
        WeightedAverage = new ClassScores("weighted avg", classes.Sum(c => c.Precision * c.Support) / total,
            classes.Sum(c => c.Recall * c.Support) / total, classes.Sum(c => c.F1 * c.Support) / total, Count);
        MicroAverage = new ClassScores("micro avg", Accuracy, Accuracy, Accuracy, Count);
    }

    /// <summary>[true class, predicted class] → count.</summary>
    public int[,] ConfusionMatrix { get; }

    /// <summary>Scores of each class, in class order.</summary>
    public IReadOnlyList<ClassScores> Classes { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Fraction of correct predictions.</summary>
    public double Accuracy { get; }

    /// <summary>Unweighted mean over classes.</summary>
    public ClassScores MacroAverage { get; }

    /// <summary>Mean over classes weighted by support.</summary>
    public ClassScores WeightedAverage { get; }

    /// <summary>Pooled counts (equal to accuracy for single-label classification).</summary>
    public ClassScores MicroAverage { get; }

    /// <summary>The report laid out as scikit-learn's <c>classification_report</c> (2 decimals).</summary>
    public string Report(int digits = 2)
    {
        int width = Math.Max("weighted avg".Length, Classes.Max(c => c.Name.Length));
        var text = new StringBuilder();
        string F(double v) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
        text.Append(new string(' ', width)).Append(' ')
            .Append(string.Concat(new[] { "precision", "recall", "f1-score", "support" }.Select(h => " " + h.PadLeft(9)))).Append("\n\n");
        foreach (ClassScores c in Classes)
        {
            text.Append(Row(c, width, F));
        }

        text.Append('\n');
        text.Append("accuracy".PadLeft(width)).Append(' ').Append(' ' + "".PadLeft(9)).Append(' ' + "".PadLeft(9))
            .Append(' ' + F(Accuracy).PadLeft(9)).Append(' ' + Count.ToString(CultureInfo.InvariantCulture).PadLeft(9)).Append('\n');
        text.Append(Row(MacroAverage, width, F)).Append(Row(WeightedAverage, width, F));
        return text.ToString();
    }

    /// <summary>The confusion matrix as text: rows are true classes, columns predicted ones.</summary>
    public string ConfusionMatrixText()
    {
        int k = Classes.Count;
        int cell = Math.Max(Classes.Max(c => c.Name.Length), Enumerable.Range(0, k).SelectMany(i => Enumerable.Range(0, k).Select(j => ConfusionMatrix[i, j].ToString(CultureInfo.InvariantCulture).Length)).Max()) + 1;
        int label = Math.Max("true \\ predicted".Length, Classes.Max(c => c.Name.Length));
        var text = new StringBuilder("true \\ predicted".PadRight(label));
        foreach (ClassScores c in Classes)
        {
            text.Append(c.Name.PadLeft(cell));
        }

        text.Append('\n');
        for (int i = 0; i < k; i++)
        {
            text.Append(Classes[i].Name.PadRight(label));
            for (int j = 0; j < k; j++)
            {
                text.Append(ConfusionMatrix[i, j].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Cross-entropy of the true classes under <paramref name="probabilities"/> [n, classes], each clipped to
    /// [ε, 1 − ε] with ε = 1e−15 and each row renormalized, as scikit-learn 1.2's <c>log_loss</c>.</summary>
    public static double LogLoss(ReadOnlySpan<int> labels, ReadOnlySpan<float> probabilities, int classes)
    {
        const double Epsilon = 1e-15;
        double sum = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(i * classes, classes);
            double total = 0;
            foreach (float p in row)
            {
                total += Math.Clamp(p, Epsilon, 1 - Epsilon);
            }

            sum -= Math.Log(Math.Clamp(row[labels[i]], Epsilon, 1 - Epsilon) / total);
        }

        return sum / Math.Max(1, labels.Length);
    }

    /// <summary>Fraction of samples whose true class is among the <paramref name="k"/> most probable (ties broken
    /// toward the lower class index).</summary>
    public static double TopKAccuracy(ReadOnlySpan<int> labels, ReadOnlySpan<float> probabilities, int classes, int k)
    {
        int hits = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(i * classes, classes);
            float truth = row[labels[i]];
            int better = 0;
            for (int c = 0; c < classes; c++)
            {
                if (row[c] > truth || (row[c] == truth && c < labels[i]))
                {
                    better++;
                }
            }

            hits += better < k ? 1 : 0;
        }

        return (double)hits / Math.Max(1, labels.Length);
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private static string Row(ClassScores c, int width, Func<double, string> format) =>
        c.Name.PadLeft(width) + " " + " " + format(c.Precision).PadLeft(9) + " " + format(c.Recall).PadLeft(9) + " " + format(c.F1).PadLeft(9)
        + " " + c.Support.ToString(CultureInfo.InvariantCulture).PadLeft(9) + "\n";
}
