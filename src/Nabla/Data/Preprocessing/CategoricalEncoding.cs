namespace Nabla.Data.Preprocessing;

/// <summary>How a categorical column becomes network inputs.</summary>
public enum CategoricalEncoding
{
    /// <summary>One-hot for columns with at most <see cref="PreprocessingOptions.MaxOneHotCategories"/> categories in
    /// the training part, hashing for the others.</summary>
    Auto,

    /// <summary>One input per category (scikit-learn's OneHotEncoder; Keras's StringLookup with one-hot output).</summary>
    OneHot,

    /// <summary>The hashing trick: each category's text is hashed into one of
    /// <see cref="PreprocessingOptions.HashBuckets"/> inputs, so a column of thousands of categories costs a fixed
    /// width and the model stores no vocabulary (Keras's Hashing layer; Weinberger et al., 2009).</summary>
    Hash,
}
