using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>Random search with cross-validation (scikit-learn's RandomizedSearchCV): candidates drawn from lists and
/// ranges (<see cref="ParameterRange"/>, uniform or log-uniform).</summary>
public static class RandomSearch
{
    /// <summary><paramref name="count"/> candidates drawn from <paramref name="space"/> with the options' seed,
    /// cross-validated on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">A value an option does not take, or bad folds — before any training.</exception>
    public static SearchResult Run(ISearchData data, ParameterSpace space, int count, TrainingRecipe recipe, PreprocessingOptions? preprocessing = null, SearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (count < 1)
        {
            throw new ArgumentException($"--random must be at least 1 candidate, got {count}.");
        }

        options ??= new SearchOptions();
        return Search.Run(data, space, space.Sample(count, options.Seed), recipe, preprocessing, options);
    }
}
