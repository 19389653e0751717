namespace Nabla.Selection;

/// <summary>A candidate's cross-validation: a score, fit time and epochs per fold (scikit-learn's <c>cv_results_</c>
/// row). A fit that diverged scores NaN and ranks last (scikit-learn's <c>error_score=nan</c>).</summary>
/// <param name="Candidate">The settings.</param>
/// <param name="SplitScores">The score on each fold's held-out rows.</param>
/// <param name="FitSeconds">Each fold's training time.</param>
/// <param name="ScoreSeconds">Each fold's scoring time.</param>
/// <param name="Epochs">The epochs each fold trained.</param>
/// <param name="Iteration">Successive halving: the round (0 first); 0 otherwise.</param>
/// <param name="Resource">Successive halving: the epochs of the round (the last round: the recipe's own, at most);
/// 0 without halving.</param>
public sealed record CandidateResult(SearchCandidate Candidate, double[] SplitScores, double[] FitSeconds, double[] ScoreSeconds, int[] Epochs, int Iteration, int Resource)
{
    /// <summary>The mean score over the folds (NaN when a fold failed).</summary>
    public double Mean => SplitScores.Average();

    /// <summary>The population standard deviation of the scores, as scikit-learn's <c>std_test_score</c>.</summary>
    public double Std => Math.Sqrt(SplitScores.Average(s => (s - Mean) * (s - Mean)));

    /// <summary>The mean fit time.</summary>
    public double MeanFitSeconds => FitSeconds.Average();

    /// <summary>The standard deviation of the fit times.</summary>
    public double StdFitSeconds => Math.Sqrt(FitSeconds.Average(s => (s - MeanFitSeconds) * (s - MeanFitSeconds)));

    /// <summary>The mean scoring time.</summary>
    public double MeanScoreSeconds => ScoreSeconds.Average();

    /// <summary>1 for the best mean score (ties share a rank, as scikit-learn's method "min"); failed candidates last.</summary>
    public int Rank { get; internal set; }

    /// <summary>Why a fold failed (a diverged run), or null.</summary>
    public string? Failure { get; internal set; }
}
