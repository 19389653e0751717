using Nabla.Data;

namespace Nabla.Tests.Data;

public sealed class SplitsTests
{
    private static readonly int[] s_labels = [.. Enumerable.Range(0, 100).Select(i => i < 80 ? 0 : i < 95 ? 1 : 2)];

    [Fact]
    public void Stratified_train_test_split_keeps_class_shares_and_is_seeded()
    {
        var (rest, heldOut) = Splits.TrainTest(100, s_labels, 0.2, seed: 1);
        Assert.Equal(100, rest.Length + heldOut.Length);
        Assert.Equal(16, heldOut.Count(i => s_labels[i] == 0));
        Assert.Equal(3, heldOut.Count(i => s_labels[i] == 1));
        Assert.Equal(1, heldOut.Count(i => s_labels[i] == 2));
        Assert.Empty(rest.Intersect(heldOut));
        Assert.Equal(heldOut, Splits.TrainTest(100, s_labels, 0.2, seed: 1).HeldOut);
        Assert.NotEqual(heldOut, Splits.TrainTest(100, s_labels, 0.2, seed: 2).HeldOut);
    }

    [Fact]
    public void K_fold_tests_every_sample_exactly_once()
    {
        var folds = Splits.KFold(23, 5, seed: 3);
        Assert.Equal(5, folds.Count);
        Assert.Equal(Enumerable.Range(0, 23), folds.SelectMany(f => f.Test).Order());
        Assert.All(folds, f => Assert.Equal(23, f.Train.Length + f.Test.Length));
        Assert.All(folds, f => Assert.InRange(f.Test.Length, 4, 5));
    }

    [Fact]
    public void Stratified_k_fold_spreads_each_class_evenly()
    {
        var folds = Splits.StratifiedKFold(s_labels, 5, seed: 4);
        Assert.All(folds, f => Assert.Equal(16, f.Test.Count(i => s_labels[i] == 0)));
        Assert.All(folds, f => Assert.Equal(3, f.Test.Count(i => s_labels[i] == 1)));
        Assert.All(folds, f => Assert.Equal(1, f.Test.Count(i => s_labels[i] == 2)));
    }
}
