namespace Nabla.Data.Preprocessing;

/// <summary>What a missing category becomes.</summary>
public enum CategoricalImputation
{
    /// <summary>A category of its own, "(missing)", with its own input (missingness often carries information).</summary>
    MissingCategory,

    /// <summary>The training part's most frequent category (scikit-learn's <c>strategy="most_frequent"</c>).</summary>
    MostFrequent,
}
