namespace Nabla.Layers;

/// <summary>
/// Every layer kind by name: the one list that model files, the <c>--arch</c> parser and summaries read. A new
/// layer is one file (the class, with its <see cref="LayerType"/>) plus one line in <see cref="s_builtIn"/>; a
/// user's own layer joins with <see cref="Register"/>, and then saves, loads and trains data-parallel as the built-in
/// ones do.
/// </summary>
public static class LayerRegistry
{
    private static readonly LayerType[] s_builtIn =
    [
        Dense.Definition,
        ReLU.Definition,
        LeakyReLU.Definition,
        Sigmoid.Definition,
        Tanh.Definition,
        Softmax.Definition,
        Dropout.Definition,
        BatchNorm.Definition,
        Flatten.Definition,
        Reshape.Definition,
        Conv2D.Definition,
        MaxPool2D.Definition,
        AvgPool2D.Definition,
        GlobalAveragePool2D.Definition,
        SimpleRnn.Definition,
        Lstm.Definition,
        Gru.Definition,
        Embedding.Definition,
    ];

    private static readonly object s_lock = new();
    private static readonly Dictionary<string, LayerType> s_byName = Index(s_builtIn);
    private static LayerType[] s_types = s_builtIn;

    /// <summary>Every registered kind, built-in ones first.</summary>
    public static IReadOnlyList<LayerType> Types => s_types;

    /// <summary>Adds a kind (a user's own layer). Its name and aliases must be new.</summary>
    /// <exception cref="ArgumentException">A kind with that name or alias exists.</exception>
    public static void Register(LayerType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (s_lock)
        {
            foreach (string name in type.Aliases.Prepend(type.Name))
            {
                if (s_byName.TryGetValue(Normalize(name), out LayerType? existing) && existing != type)
                {
                    throw new ArgumentException($"A layer kind named '{name}' is already registered.");
                }
            }

            if (s_types.Contains(type))
            {
                return;
            }

            foreach (string name in type.Aliases.Prepend(type.Name))
            {
                s_byName[Normalize(name)] = type;
            }

            s_types = [.. s_types, type];
        }
    }

    /// <summary>The kind named <paramref name="name"/> (or one of its aliases; case, '-' and '_' ignored), or null.</summary>
    public static LayerType? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (s_lock)
        {
            return s_byName.GetValueOrDefault(Normalize(name));
        }
    }

    /// <summary>The kind named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such kind; the message lists them.</exception>
    public static LayerType Get(string name) => Find(name)
        ?? throw new ArgumentException($"unknown layer '{name}' (layers: {string.Join(", ", Types.Select(t => t.Name))}).");

    /// <summary>Builds an unbuilt layer of kind <paramref name="kind"/> from a model file's settings.</summary>
    /// <exception cref="ArgumentException">Unknown kind, or settings that do not fit it.</exception>
    public static Layer Create(string kind, IReadOnlyDictionary<string, string> settings) => Get(kind).FromSettings(settings);

    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);

    private static Dictionary<string, LayerType> Index(IEnumerable<LayerType> types)
    {
        var index = new Dictionary<string, LayerType>(StringComparer.Ordinal);
        foreach (LayerType type in types)
        {
            foreach (string name in type.Aliases.Prepend(type.Name))
            {
                if (!index.TryAdd(Normalize(name), type) && index[Normalize(name)] != type)
                {
                    throw new InvalidOperationException($"Two layer kinds are named '{name}'.");
                }
            }
        }

        return index;
    }
}
