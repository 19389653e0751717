namespace Nabla.Selection;

/// <summary>One setting a search varies: a list of values (option text, as <c>nabla train</c> takes it), or a
/// <see cref="ParameterRange"/> for a random search to draw from.</summary>
/// <param name="Name">The setting, as a <c>nabla train</c> option name without the dashes (<c>lr</c>, <c>layers</c>).</param>
/// <param name="Values">The values to try (empty when <paramref name="Range"/> is set).</param>
/// <param name="Range">The range to draw from, or null.</param>
public sealed record SearchParameter(string Name, IReadOnlyList<string> Values, ParameterRange? Range = null)
{
    /// <summary>How many values a grid takes of it (a range: none, it is for random search only).</summary>
    public int Count => Range is null ? Values.Count : 0;
}
