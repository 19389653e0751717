using Nabla.Data;
using Nabla.Data.Preprocessing;

namespace Nabla.Selection;

/// <summary>The datasets of one fit: the training part, preprocessed with statistics of its own rows only, and the
/// other parts run through the same fitted preprocessing.</summary>
/// <param name="Train">The rows the model is fitted on.</param>
/// <param name="Others">The rows asked for besides (validation, test), in the order asked.</param>
/// <param name="Preprocessor">The preprocessing fitted on <paramref name="Train"/>'s rows (null for data without one, such as images).</param>
public sealed record PreparedFold(Dataset Train, IReadOnlyList<Dataset> Others, TabularPreprocessor? Preprocessor)
{
    /// <summary>Regression: the training target's mean (0 otherwise), for scores in the target's units.</summary>
    public double TargetMean => Preprocessor?.TargetMean ?? 0;

    /// <summary>Regression: the training target's standard deviation (1 otherwise).</summary>
    public double TargetStd => Preprocessor?.TargetStd ?? 1;
}
