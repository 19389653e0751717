namespace Nabla.Selection;

/// <summary>A fit finished: which, how many are done, and how long the rest should take at the pace so far.</summary>
/// <param name="Candidate">The candidate's index.</param>
/// <param name="Fold">The fold (0-based).</param>
/// <param name="Iteration">The halving round (0 without halving).</param>
/// <param name="Score">The fold's score.</param>
/// <param name="Done">Fits finished, this one included.</param>
/// <param name="Total">Fits in all (with halving, of the rounds planned).</param>
/// <param name="Elapsed">Time since the search started.</param>
/// <param name="Remaining">Estimated time left.</param>
public sealed record SearchProgress(int Candidate, int Fold, int Iteration, double Score, int Done, int Total, TimeSpan Elapsed, TimeSpan Remaining);
