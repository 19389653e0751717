namespace Nabla.Data.Preprocessing;

/// <summary>What a missing number becomes (a statistic of the training part, as scikit-learn's SimpleImputer).</summary>
public enum NumericImputation
{
    /// <summary>The training part's median (robust to outliers; scikit-learn's <c>strategy="median"</c>).</summary>
    Median,

    /// <summary>The training part's mean.</summary>
    Mean,
}
