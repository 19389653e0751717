namespace Nabla.Layers;

/// <summary>
/// A kind of layer, declared once next to the layer's class: its name (as in model files, summaries and
/// <c>--arch</c>), its settings, and how to construct it from checked settings. Model files, the architecture parser,
/// summaries, data-parallel replicas (and export) all go through it; <see cref="LayerRegistry"/> lists the kinds.
/// </summary>
/// <param name="Name">Lowercase name ("dense", "conv2d").</param>
/// <param name="Description">One line for help texts.</param>
/// <param name="Parameters">The settings, positional order first.</param>
/// <param name="Create">Builds an unbuilt layer from checked settings.</param>
public sealed record LayerType(string Name, string Description, IReadOnlyList<LayerParameter> Parameters, Func<LayerArguments, Layer> Create)
{
    /// <summary>Other names the architecture parser accepts ("leakyrelu" for "leaky-relu").</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>"dense(units, initializer=default)": the call syntax with defaults.</summary>
    public string Signature => $"{Name}({string.Join(", ", Parameters.Where(p => p.Kind != ParameterKind.Seed).Select(p => p.Required ? p.Name : $"{p.Name}={ShortDefault(p)}"))})";

    /// <summary>A default as a user writes it: a square pair "3,3" as 3.</summary>
    private static string? ShortDefault(LayerParameter p) =>
        p.Kind == ParameterKind.Pair && p.Default?.Split(',') is [var h, var w] && h == w ? h : p.Default;

    /// <summary>Builds a layer from settings by name (a model file's), checked against <see cref="Parameters"/>.</summary>
    /// <exception cref="ArgumentException">An unknown, missing or invalid setting.</exception>
    public Layer FromSettings(IReadOnlyDictionary<string, string> settings) => Create(LayerArguments.FromSettings(this, settings));
}
