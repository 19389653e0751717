namespace Nabla.Selection;

/// <summary>
/// The plan of successive halving with epochs as the resource (scikit-learn's HalvingGridSearchCV): round i trains
/// ⌈n / factorⁱ⌉ candidates — the best of the round before — for ⌊E / factor^(last − i)⌋ epochs (at least 1), the
/// last round for the recipe's own E; 1 + ⌊log_factor n⌋ rounds, fewer when E is too small to divide that often.
/// </summary>
public static class SuccessiveHalving
{
    /// <summary>The rounds for <paramref name="candidates"/> candidates whose recipe trains at most
    /// <paramref name="maxEpochs"/> epochs.</summary>
    /// <exception cref="ArgumentException">No candidate, fewer than 1 epoch, or a factor below 2.</exception>
    public static IReadOnlyList<HalvingRound> Plan(int candidates, int maxEpochs, int factor)
    {
        if (candidates < 1 || maxEpochs < 1)
        {
            throw new ArgumentException($"successive halving needs a candidate and an epoch, got {candidates} and {maxEpochs}.");
        }

        if (factor < 2)
        {
            throw new ArgumentException($"the halving factor must be at least 2, got {factor}.");
        }

        int rounds = Math.Min(1 + FloorLog(candidates, factor), 1 + FloorLog(maxEpochs, factor));
        return Enumerable.Range(0, rounds).Select(i => new HalvingRound(
            (int)Math.Ceiling(candidates / Math.Pow(factor, i)),
            i == rounds - 1 ? maxEpochs : Math.Max(1, (int)(maxEpochs / Math.Pow(factor, rounds - 1 - i))))).ToArray();
    }

    /// <summary>⌊log_b x⌋ in whole numbers (no rounding error at exact powers).</summary>
    private static int FloorLog(long x, int b)
    {
        int k = 0;
        for (long power = b; power <= x; power *= b)
        {
            k++;
        }

        return k;
    }
}
