using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>What grid and random search share: candidates made and checked, then run.</summary>
internal static class Search
{
    public static SearchResult Run(ISearchData data, ParameterSpace space, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> points,
        TrainingRecipe recipe, PreprocessingOptions? preprocessing, SearchOptions? options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(recipe);
        SearchCandidate[] candidates = points.Select((p, i) => SearchCandidate.Create(i, p, recipe, preprocessing ?? new PreprocessingOptions())).ToArray();
        string[] names = space.Grids.SelectMany(g => g.Select(p => p.Name)).Distinct().ToArray();
        return SearchRunner.Run(data, candidates, options ?? new SearchOptions(), names);
    }
}
