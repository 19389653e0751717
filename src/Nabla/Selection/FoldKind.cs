namespace Nabla.Selection;

/// <summary>How cross-validation cuts the training rows into folds.</summary>
public enum FoldKind
{
    /// <summary>Shuffled folds that keep each class's share (scikit-learn's StratifiedKFold): classification's default.</summary>
    Stratified,

    /// <summary>Shuffled folds of equal size (scikit-learn's KFold with shuffle): regression's default.</summary>
    KFold,

    /// <summary>Rows in file order; fold k trains on the first k blocks and tests on the next (scikit-learn's
    /// TimeSeriesSplit): for ordered data, where a model may not see the future. The seam for forecasting tasks.</summary>
    ExpandingWindow,
}
