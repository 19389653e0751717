using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>Exhaustive search over a grid with cross-validation (scikit-learn's GridSearchCV; with
/// <see cref="SearchOptions.Halving"/>, HalvingGridSearchCV).</summary>
public static class GridSearch
{
    /// <summary>Every candidate of <paramref name="space"/>, the settings it does not name taken from
    /// <paramref name="recipe"/> and <paramref name="preprocessing"/>, cross-validated on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">A range in the space, more than <see cref="ParameterSpace.MaxGridCandidates"/>
    /// candidates, a value an option does not take, or bad folds — before any training.</exception>
    public static SearchResult Run(ISearchData data, ParameterSpace space, TrainingRecipe recipe, PreprocessingOptions? preprocessing = null, SearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (space.HasRanges)
        {
            throw new ArgumentException("a range (low..high) can only be drawn from: add --random N.");
        }

        long size = space.GridSize;
        if (size > ParameterSpace.MaxGridCandidates)
        {
            throw new ArgumentException($"the grid makes {size:N0} candidates, more than {ParameterSpace.MaxGridCandidates:N0}: sample some with --random N (or RandomSearch).");
        }

        return Search.Run(data, space, space.Enumerate().ToArray(), recipe, preprocessing, options);
    }
}
