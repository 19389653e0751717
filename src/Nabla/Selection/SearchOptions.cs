namespace Nabla.Selection;

/// <summary>How a search cross-validates and runs its candidates.</summary>
public sealed record SearchOptions
{
    /// <summary>Folds (<c>--cv</c>); at least 2.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>How the folds are cut; null: stratified for classification, k-fold for regression.</summary>
    public FoldKind? FoldKind { get; init; }

    /// <summary>The score (<see cref="Scoring"/>); null: the task's natural one.</summary>
    public string? Scoring { get; init; }

    /// <summary>Seeds the folds and a random search's draws (each fit uses its recipe's own seed).</summary>
    public int Seed { get; init; }

    /// <summary>Fits at once: null picks (one per core for small networks, one at a time on all cores for large ones);
    /// 1 runs them one after another. The results are the same either way.</summary>
    public int? Parallelism { get; init; }

    /// <summary>Successive halving (scikit-learn's HalvingGridSearchCV with epochs as the resource): every candidate
    /// for a few epochs, the best 1/<see cref="HalvingFactor"/> for <see cref="HalvingFactor"/> times as many, and so
    /// on; the last round trains with the recipe's own epochs.</summary>
    public bool Halving { get; init; }

    /// <summary>The halving factor (scikit-learn's <c>factor</c>); at least 2.</summary>
    public int HalvingFactor { get; init; } = 3;

    /// <summary>Told after every fit (from the thread that ran it).</summary>
    public IProgress<SearchProgress>? Progress { get; init; }

    /// <summary>Stops the search between fits and inside training.</summary>
    public CancellationToken CancellationToken { get; init; }
}
