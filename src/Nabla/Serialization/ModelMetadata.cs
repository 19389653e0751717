using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Serialization;

/// <summary>What a model file carries besides layers and weights: what prediction needs to see the data as training did.</summary>
/// <param name="ClassNames">The name of each output class, in output order (empty for regression).</param>
/// <param name="InputScale">The factor applied to every raw input value (1/255 for pixels) when there is no per-feature <see cref="Scaler"/>.</param>
/// <param name="Loss">The loss the model was trained with (its CLI name).</param>
public sealed record ModelMetadata(IReadOnlyList<string> ClassNames, float InputScale, string Loss)
{
    /// <summary>No class names, no scaling, no loss: what a model has before it is trained or loaded.</summary>
    public static ModelMetadata Empty { get; } = new([], 1f, "");

    /// <summary>Classification, binary or regression.</summary>
    public TaskKind Task { get; init; } = TaskKind.Classification;

    /// <summary>Per-feature scaling fitted on the training data (tabular models); null for images.</summary>
    public Scaler? Scaler { get; init; }

    /// <summary>A tabular model's preprocessing: column by column imputation and encoding, then <see cref="Scaler"/>
    /// (which is the preprocessor's), fitted on the training part. Null for images and for models saved before
    /// preprocessing existed (their inputs are the numeric columns, scaled by <see cref="Scaler"/>).</summary>
    public TabularPreprocessor? Preprocessor { get; init; }

    /// <summary>The table columns the model reads (tabular models; with a <see cref="Preprocessor"/>, its input
    /// columns, otherwise one per network input); null for images.</summary>
    public IReadOnlyList<string>? FeatureNames { get; init; }

    /// <summary>The target column's name (tabular models).</summary>
    public string? TargetName { get; init; }

    /// <summary>Regression: the training target's mean; predictions are mapped back as ŷ·std + mean.</summary>
    public double TargetMean { get; init; }

    /// <summary>Regression: the training target's standard deviation.</summary>
    public double TargetStd { get; init; } = 1;

    /// <summary>The per-epoch history of the run that trained the model (metadata key <c>training_history</c>); null
    /// for models saved before histories were kept, or never trained.</summary>
    public TrainingHistory? History { get; init; }

    /// <summary>How the model was trained, as named settings in order ("optimizer" = "adam", "learning_rate" =
    /// "0.001", …; metadata key <c>training_settings</c>); null when unknown.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? TrainingSettings { get; init; }

    /// <summary>Image models: what the training images looked like (ink polarity, placement, box size), so that
    /// <see cref="ImagePreprocessor"/> brings a photo or drawing into the same form; null when unknown (a model file
    /// without it is taken to be MNIST-like, <see cref="Data.ImageStyle.Mnist"/>) and for tabular models.</summary>
    public ImageStyle? ImageStyle { get; init; }

    /// <summary>What the model was trained on: the data's place, shape and fingerprints (null when unknown, as in
    /// files written before Nabla recorded it).</summary>
    public TrainingDataRecord? TrainingData { get; init; }
    /// <summary>Forecasting models: the window, horizon, season and columns they were trained with; null otherwise.</summary>
    public ForecastSettings? Forecast { get; init; }

    /// <summary>Applies the model's input scaling in place to rows of raw values.</summary>
    public void ScaleInputs(Span<float> rows)
    {
        if (Scaler is not null)
        {
            Scaler.Apply(rows);
        }
        else if (InputScale != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(rows, InputScale, rows);
        }
    }
}
