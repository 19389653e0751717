using Nabla.Cli.Images;
using Nabla.Data;
using Nabla.Losses;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;
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
    private ModelEvaluation(Sequential model, ModelMetadata metadata, string source, Dataset data, RawRows raw, EvaluationResult result, IReadOnlyList<string> notes)
    {
        (Model, Metadata, Source, Data, Raw, Result, Notes) = (model, metadata, source, data, raw, result, notes);
        Images = ImageLayout.Of(model.InputShape, metadata);
        if (metadata.Task == TaskKind.Regression)
        {
            Actual = Reports.Unstandardize(data.Targets.Span, metadata);
            Predicted = Reports.Unstandardize(result.Outputs.Span, metadata);
            Regression = RegressionMetrics.Compute(Actual, Predicted);
            return;
        }

        Labels = data.RequireLabels();
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

    /// <summary>The data file or folder.</summary>
    public string Source { get; }

    /// <summary>The evaluation data, scaled as training scaled it.</summary>
    public Dataset Data { get; }

    /// <summary>The features as the file holds them (before any preprocessing).</summary>
    public RawRows Raw { get; }

    /// <summary>What the user should know about the data as read: rows left out, cells imputed, categories unseen in
    /// training (one line each).</summary>
    public IReadOnlyList<string> Notes { get; }

    public EvaluationResult Result { get; }

    /// <summary>How the inputs are pictures, or null (tabular data).</summary>
    public ImageLayout? Images { get; }

    /// <summary>Whether the data came from a CSV file (whose original rows <see cref="ReadOriginalRows"/> reads).</summary>
    public bool IsCsv => File.Exists(Source);

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

    /// <summary>The data a model is evaluated on: <paramref name="data"/>, else, for an image model, the built-in digits;
    /// a model trained on CSV columns needs the file (or gets null when <paramref name="required"/> is false).</summary>
    public static string? ResolveSource(ModelMetadata metadata, string? data, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.FeatureNames is null)
        {
            return DataLocator.Resolve(data);
        }

        return data ?? (required ? throw new UsageException("this model was trained on a CSV file: give --data FILE.csv with the same columns.") : null);
    }

    /// <summary>Loads <paramref name="source"/> as the model's training prepared its data and evaluates the model on it.</summary>
    public static ModelEvaluation Run(Sequential model, ModelMetadata metadata, string modelPath, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        var (data, raw, notes) = DataPreparation.LoadForEvaluation(source, metadata, model.InputShape.Count);
        CheckCompatible(model, data, modelPath);
        EvaluationResult result = Evaluator.Evaluate(model, Loss.Create(metadata.Loss), data);
        return new ModelEvaluation(model, metadata, source, data, raw, result, notes);
    }

    /// <summary>The original cells of evaluation rows <paramref name="rows"/> (keyed by evaluation row) from the CSV
    /// file, or null (not a CSV file, or the file changed since it was read).</summary>
    public OriginalRows? ReadOriginalRows(IEnumerable<int> rows)
    {
        if (!IsCsv)
        {
            return null;
        }

        int[] wanted = rows.ToArray();
        OriginalRows? original = OriginalRows.Read(Source, Raw.SourceRecords, wanted.Select(Raw.SourceRow));
        return original is null ? null : original with
        {
            Rows = wanted.Distinct().Where(r => original.Rows.ContainsKey(Raw.SourceRow(r))).ToDictionary(r => r, r => original.Rows[Raw.SourceRow(r)]),
        };
    }

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
