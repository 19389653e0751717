namespace Nabla.Data;

/// <summary>
/// Seeded index splits, as scikit-learn's <c>train_test_split</c>, <c>KFold</c> and <c>StratifiedKFold</c> (with
/// shuffling). Stratified splits keep each class's share: every class is shuffled and dealt out on its own.
/// </summary>
public static class Splits
{
    /// <summary>Holds out about <paramref name="fraction"/> of <paramref name="count"/> samples, stratified by
    /// <paramref name="labels"/> when given; returns (rest, held out), each in a seeded random order.</summary>
    public static (int[] Remaining, int[] HeldOut) TrainTest(int count, int[]? labels, double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), $"The held-out fraction must be in (0, 1), got {fraction}.");
        }

        var random = new Random(seed);
        var rest = new List<int>();
        var heldOut = new List<int>();
        foreach (int[] group in Groups(count, labels))
        {
            random.Shuffle(group);
            int take = (int)Math.Round(group.Length * fraction);
            heldOut.AddRange(group[..take]);
            rest.AddRange(group[take..]);
        }

        if (heldOut.Count == 0 || rest.Count == 0)
        {
            throw new ArgumentException($"Holding out {fraction} of {count} samples leaves an empty part.");
        }

        int[] restArray = [.. rest], heldOutArray = [.. heldOut];
        random.Shuffle(restArray);
        random.Shuffle(heldOutArray);
        return (restArray, heldOutArray);
    }

    /// <summary>k folds of <paramref name="count"/> samples after a seeded shuffle: each fold is the test part once.</summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> KFold(int count, int folds, int seed) => Folds(count, null, folds, seed);

    /// <summary>k folds that keep each class's share in every fold (scikit-learn's StratifiedKFold, shuffled).</summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> StratifiedKFold(int[] labels, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Folds(labels.Length, labels, folds, seed);
    }

    /// <summary>
    /// Expanding-window folds of <paramref name="count"/> rows in order (scikit-learn's TimeSeriesSplit): the rows are
    /// cut into <paramref name="folds"/> + 1 blocks of ⌊count / (folds + 1)⌋ (the first takes the remainder); fold k
    /// tests on block k + 1 and trains on every row before it, so no fold trains on rows after those it is tested on.
    /// </summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> ExpandingWindow(int count, int folds)
    {
        if (folds < 2 || folds + 1 > count)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), $"Need 2 ≤ folds < samples ({count}), got {folds}.");
        }

        int size = count / (folds + 1);
        var result = new List<(int[], int[])>();
        for (int k = 0; k < folds; k++)
        {
            int testStart = count - (folds - k) * size;
            result.Add((Enumerable.Range(0, testStart).ToArray(), Enumerable.Range(testStart, size).ToArray()));
        }

        return result;
    }

    private static List<(int[] Train, int[] Test)> Folds(int count, int[]? labels, int folds, int seed)
    {
        if (folds < 2 || folds > count)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), $"Need 2 ≤ folds ≤ samples ({count}), got {folds}.");
        }

        var random = new Random(seed);
        var assignment = new int[count];
        int offset = 0;
        foreach (int[] group in Groups(count, labels))
        {
            random.Shuffle(group);
            // Deal the group round-robin, continuing where the previous class stopped, so fold sizes stay even.
            for (int i = 0; i < group.Length; i++)
            {
                assignment[group[i]] = (offset + i) % folds;
            }

            offset += group.Length;
        }

        var result = new List<(int[], int[])>();
        for (int f = 0; f < folds; f++)
        {
            result.Add((Enumerable.Range(0, count).Where(i => assignment[i] != f).ToArray(), Enumerable.Range(0, count).Where(i => assignment[i] == f).ToArray()));
        }

        return result;
    }

    private static IEnumerable<int[]> Groups(int count, int[]? labels) => labels is null
        ? [Enumerable.Range(0, count).ToArray()]
        : Enumerable.Range(0, count).GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.ToArray());
}
