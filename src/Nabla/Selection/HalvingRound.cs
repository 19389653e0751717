namespace Nabla.Selection;

/// <summary>One round of successive halving: how many candidates it trains, and for how many epochs.</summary>
/// <param name="Candidates">Candidates in the round (at most; fewer when some diverged).</param>
/// <param name="Epochs">Epochs each fit trains (the last round: the recipe's own, at most).</param>
public sealed record HalvingRound(int Candidates, int Epochs);
