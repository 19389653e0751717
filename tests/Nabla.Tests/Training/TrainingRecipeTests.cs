using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>The defaults a recipe resolves from the data.</summary>
public sealed class TrainingRecipeTests
{
    [Theory]
    [InlineData(4, 4)]          // XOR: the whole table, one step
    [InlineData(31, 31)]        // fewer samples than the smallest auto batch
    [InlineData(112, 32)]       // iris' training part: 32, not one full batch
    [InlineData(331, 32)]       // diabetes
    [InlineData(2197, 137)]     // Ames: 16 steps an epoch
    [InlineData(3200, 200)]     // from here on scikit-learn's 200
    [InlineData(60000, 200)]
    public void Batch_size_auto_gives_at_least_16_steps_within_32_to_200(int samples, int expected) =>
        Assert.Equal(expected, new TrainingRecipe().ResolveBatchSize(samples));

    [Theory]
    [InlineData(0, 1000, 0)]    // full batch stays full
    [InlineData(64, 1000, 64)]  // given, kept
    public void A_given_batch_size_is_kept(int given, int samples, int expected) =>
        Assert.Equal(expected, new TrainingRecipe { BatchSize = given }.ResolveBatchSize(samples));
}
