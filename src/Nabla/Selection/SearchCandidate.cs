using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>One setting of the searched parameters: the values (option text, in the space's order) and the recipe and
/// preprocessing they make from the fixed settings.</summary>
/// <param name="Index">Its place among the candidates (0-based), which also orders ties.</param>
/// <param name="Parameters">The searched settings and their values.</param>
/// <param name="Recipe">The training recipe.</param>
/// <param name="Preprocessing">The table preprocessing.</param>
public sealed record SearchCandidate(int Index, IReadOnlyList<KeyValuePair<string, string>> Parameters, TrainingRecipe Recipe, PreprocessingOptions Preprocessing)
{
    /// <summary>
    /// The candidate for <paramref name="parameters"/>: each set on <paramref name="recipe"/> or
    /// <paramref name="preprocessing"/> by its option name, and the result checked as <c>nabla train</c> checks it.
    /// </summary>
    /// <exception cref="ArgumentException">A value the option does not take, naming the option and the value.</exception>
    public static SearchCandidate Create(int index, IReadOnlyList<KeyValuePair<string, string>> parameters, TrainingRecipe recipe, PreprocessingOptions preprocessing)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(preprocessing);
        foreach (var (name, value) in parameters)
        {
            try
            {
                if (PreprocessingOptions.SettingNames.Contains(name))
                {
                    preprocessing = preprocessing.WithSetting(name, value);
                }
                else
                {
                    recipe = recipe.WithSetting(name, value);
                }
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"{name}={value}: {ex.Message}", ex);
            }
        }

        try
        {
            recipe.Validate();
            preprocessing.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"the candidate {Describe(parameters)}: {ex.Message}", ex);
        }

        return new SearchCandidate(index, parameters, recipe, preprocessing);
    }

    /// <summary>"lr=0.01 layers=128,64".</summary>
    public static string Describe(IReadOnlyList<KeyValuePair<string, string>> parameters) =>
        string.Join(" ", (parameters ?? throw new ArgumentNullException(nameof(parameters))).Select(p => $"{p.Key}={p.Value}"));

    /// <inheritdoc/>
    public override string ToString() => Describe(Parameters);
}
