namespace Nabla.Layers;

/// <summary>One setting of a layer kind: its name, what it holds, its default (null: required) and, for
/// <see cref="ParameterKind.Choice"/>, the allowed values.</summary>
/// <param name="Name">As written in model files and keyword arguments ("units", "padding").</param>
/// <param name="Kind">What the value holds.</param>
/// <param name="Default">The canonical default value, or null when the setting must be given.</param>
/// <param name="Choices">The allowed values of a choice.</param>
/// <param name="Minimum">The smallest allowed number (Int, Float, Pair, IntList), inclusive.</param>
/// <param name="Maximum">The largest allowed number, exclusive (a rate below 1), or null for none.</param>
public sealed record LayerParameter(string Name, ParameterKind Kind, string? Default = null, IReadOnlyList<string>? Choices = null,
    double Minimum = double.NegativeInfinity, double? Maximum = null)
{
    /// <summary>Whether the setting must be given.</summary>
    public bool Required => Default is null;
}
