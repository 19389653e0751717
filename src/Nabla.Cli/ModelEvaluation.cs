using Nabla.Cli.Images;
using Nabla.Data;
using Nabla.Losses;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>A misclassified sample: its 0-based row in the evaluation data, true and predicted class, and the
/// probability the model gave its (wrong) prediction.</summary>
internal readonly record struct Mistake(int Row, int True, int Predicted, float Probability);

/// <summary>
/// A saved model run on labelled data, with everything <c>evaluate</c> and <c>report</c> show from it: the metrics in
/// the units the user knows (regression values mapped back from standardized units), the raw inputs, the mistakes,
/// and, for a CSV file, the way back to its original rows.
/// </summary>
internal sealed class ModelEvaluation
{
    private ModelEvaluation(Sequential model, ModelMetadata metadata, EvaluationData chosen, EvaluationResult result)
    {
        (Model, Metadata, Chosen, Result) = (model, metadata, chosen, result);
        (Data, Raw) = (chosen.Data, chosen.Raw);
        Images = ImageLayout.Of(model.InputShape, metadata);
        if (metadata.Task == TaskKind.Regression)
        {
            Actual = Reports.Unstandardize(chosen.Data.Targets.Span, metadata);
            Predicted = Reports.Unstandardize(result.Outputs.Span, metadata);
            Regression = RegressionMetrics.Compute(Actual, Predicted);
            return;
        }

        Labels = chosen.Data.RequireLabels();
        Predictions = result.Predictions!;
        Probabilities = Reports.ClassProbabilities(result, metadata.ClassNames.Count);
        Classification = new ClassificationMetrics(Labels, Predictions, metadata.ClassNames);
        int classes = metadata.ClassNames.Count;
        Mistakes = Enumerable.Range(0, Labels.Length).Where(i => Labels[i] != Predictions[i])
            .Select(i => new Mistake(i, Labels[i], Predictions[i], Probabilities[i * classes + Predictions[i]]))
            .OrderByDescending(m => m.Probability).ThenBy(m => m.Row).ToArray();
    }

    public Sequential Model { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>The data and where it came from.</summary>
    public EvaluationData Chosen { get; }

    /// <summary>Where the data came from, for messages.</summary>
    public string Source => Chosen.Source;

    /// <summary>Whether the samples are (or include) the ones the model was trained on.</summary>
    public bool IncludesTrainingRows => Chosen.IncludesTrainingRows;

    /// <summary>The evaluation data, scaled as training scaled it.</summary>
    public Dataset Data { get; }

    /// <summary>The features as the file holds them (before any preprocessing).</summary>
    public RawRows Raw { get; }

    /// <summary>What the user should know about the data as read: rows left out, cells imputed, categories unseen in
    /// training (one line each).</summary>
    public IReadOnlyList<string> Notes => Chosen.Notes;

    public EvaluationResult Result { get; }

    /// <summary>How the inputs are pictures, or null (tabular data).</summary>
    public ImageLayout? Images { get; }

    /// <summary>Whether the data came from a CSV file (whose original rows <see cref="ReadOriginalRows"/> reads).</summary>
    public bool IsCsv => Chosen.CsvPath is not null;

    public int[] Labels { get; } = [];

    public int[] Predictions { get; } = [];

    /// <summary>[samples, classes] (a binary model's P(class 1) expanded to two columns).</summary>
    public float[] Probabilities { get; } = [];

    public ClassificationMetrics? Classification { get; }

    /// <summary>The misclassified samples, most confident first.</summary>
    public IReadOnlyList<Mistake> Mistakes { get; } = [];

    /// <summary>Regression: true and predicted values in the target's units.</summary>
    public float[] Actual { get; } = [];

    public float[] Predicted { get; } = [];

    public RegressionMetrics? Regression { get; }

    /// <summary>Evaluates the model on the data <see cref="EvaluationSource"/> chose.</summary>
    public static ModelEvaluation Run(Sequential model, ModelMetadata metadata, string modelPath, EvaluationData chosen)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(chosen);
        CheckCompatible(model, chosen.Data, modelPath);
        EvaluationResult result = Evaluator.Evaluate(model, Loss.Create(metadata.Loss), chosen.Data);
        return new ModelEvaluation(model, metadata, chosen, result);
    }

    /// <summary>The original cells of samples <paramref name="rows"/> (0-based, in the evaluation data) as the CSV file
    /// has them, keyed by sample; null when the data is not a CSV file or the file changed since it was read.</summary>
    public OriginalRows? ReadOriginalRows(IEnumerable<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (Chosen.CsvPath is null)
        {
            return null;
        }

        int[] samples = rows.ToArray();
        OriginalRows? read = OriginalRows.Read(Chosen.CsvPath, Raw.SourceRecords, samples.Select(Raw.SourceRow));
        if (read is null)
        {
            return null;
        }

        var bySample = new Dictionary<int, string[]>();
        foreach (int sample in samples)
        {
            if (read.Rows.TryGetValue(Raw.SourceRow(sample), out string[]? cells))
            {
                bySample[sample] = cells;
            }
        }

        return read with { Rows = bySample };
    }

    /// <summary>The 1-based data row in the CSV file of sample <paramref name="sample"/>, or its 0-based index in the
    /// image file.</summary>
    public int FileRowNumber(int sample) => IsCsv ? Raw.SourceRow(sample) + 1 : sample;

    /// <summary>The class name of <paramref name="index"/>.</summary>
    public string ClassName(int index) => Metadata.ClassNames[index];

    private static void CheckCompatible(Sequential model, Dataset data, string modelPath)
    {
        if (data.FeatureCount != model.InputShape.Count)
        {
            throw new UsageException($"the model {modelPath} takes {model.InputShape.Count} values per sample but the data has {data.FeatureCount}.");
        }

        if (data.OutputCount != model.OutputShape.Count)
        {
            throw new UsageException($"the model {modelPath} outputs {model.OutputShape.Count} values but the data needs {data.OutputCount} (labels up to {data.ClassCount - 1}).");
        }
    }
}
