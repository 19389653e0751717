using System.Globalization;
using System.Text;
using System.Text.Json;
using Nabla.Data.Preprocessing;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>
/// The settings a search varies: one grid or several (scikit-learn's <c>param_grid</c>, a dict or a list of dicts),
/// each a list of <see cref="SearchParameter"/>s. Written as <c>nabla search --grid</c> takes it —
/// <c>"lr=0.01,0.001 layers=64;128,64 dropout=0,0.2"</c>: settings separated by spaces, values by commas (or by
/// semicolons, which settings whose values hold commas — <c>layers</c>, <c>arch</c>, <c>augment</c> — need), values in
/// double quotes taken as they are (<c>arch="conv2d(32, 3) relu";"dense(64) relu"</c>), ranges <c>1e-4..1e-1:log</c>
/// for random search — or as JSON (<c>--grid-file</c>): <c>{"lr": [0.01, 0.001], "layers": ["64", "128,64"]}</c>, or
/// a list of such objects, a range as a string.
/// </summary>
public sealed class ParameterSpace
{
    /// <summary>The most candidates a grid may make for an exhaustive search (beyond it, sample with a random search).</summary>
    public const long MaxGridCandidates = 10_000;

    /// <summary>Settings whose one value is a comma-separated list, so that their values are separated by semicolons only.</summary>
    public static IReadOnlyList<string> ListSettings { get; } = ["layers", "arch", "augment"];

    /// <summary>Creates a space from grids (each a list of parameters with distinct names).</summary>
    /// <exception cref="ArgumentException">No parameter, a name twice in a grid, a parameter without values, or an
    /// unknown name.</exception>
    public ParameterSpace(IReadOnlyList<IReadOnlyList<SearchParameter>> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        if (grids.Count == 0 || grids.All(g => g.Count == 0))
        {
            throw new ArgumentException("the grid names no setting to search (e.g. \"lr=0.01,0.001\").");
        }

        foreach (IReadOnlyList<SearchParameter> grid in grids)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (SearchParameter parameter in grid)
            {
                CheckName(parameter.Name);
                if (!names.Add(parameter.Name))
                {
                    throw new ArgumentException($"{parameter.Name} is given twice in one grid.");
                }

                if (parameter.Range is null && parameter.Values.Count == 0)
                {
                    throw new ArgumentException($"{parameter.Name} has an empty list of values.");
                }
            }
        }

        Grids = grids;
    }

    /// <summary>The setting names a search may vary: every <c>nabla train</c> setting of the recipe
    /// (<see cref="TrainingRecipe.SettingNames"/>) and of the preprocessing (<see cref="PreprocessingOptions.SettingNames"/>).</summary>
    public static IReadOnlyList<string> SearchableNames { get; } = [.. TrainingRecipe.SettingNames, .. PreprocessingOptions.SettingNames];

    /// <summary>The grids.</summary>
    public IReadOnlyList<IReadOnlyList<SearchParameter>> Grids { get; }

    /// <summary>Whether a parameter is a range (then only a random search can use the space).</summary>
    public bool HasRanges => Grids.Any(g => g.Any(p => p.Range is not null));

    /// <summary>The candidates an exhaustive search makes: the product of the value counts, summed over the grids
    /// (saturating at <see cref="long.MaxValue"/>).</summary>
    public long GridSize
    {
        get
        {
            long total = 0;
            foreach (IReadOnlyList<SearchParameter> grid in Grids)
            {
                long product = 1;
                foreach (SearchParameter parameter in grid)
                {
                    product = parameter.Count == 0 ? 0 : product > long.MaxValue / parameter.Count ? long.MaxValue : product * parameter.Count;
                }

                total = total > long.MaxValue - product ? long.MaxValue : total + product;
            }

            return total;
        }
    }

    /// <summary>Parses <c>--grid</c> text (see the class summary).</summary>
    /// <exception cref="ArgumentException">The first problem, naming the setting.</exception>
    public static ParameterSpace Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var grid = new List<SearchParameter>();
        foreach (string item in Split(text, c => char.IsWhiteSpace(c)))
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"'{item}' is not name=value1,value2 (e.g. lr=0.01,0.001).");
            }

            string name = item[..equals].Trim().TrimStart('-');
            CheckName(name);
            bool list = ListSettings.Contains(name);
            string[] values = Split(item[(equals + 1)..], c => c == ';' || (!list && c == ',')).Select(Unquote).ToArray();
            grid.Add(Parameter(name, values));
        }

        return new ParameterSpace([grid]);
    }

    /// <summary>Parses a JSON grid file: an object of setting → list of values (numbers, strings, true/false) or a range
    /// string, or a list of such objects.</summary>
    /// <exception cref="ArgumentException">Not such JSON, naming the setting.</exception>
    public static ParameterSpace ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"not JSON ({ex.Message.Split('\n')[0].TrimEnd()}).", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            IEnumerable<JsonElement> objects = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray() : [root];
            var grids = new List<IReadOnlyList<SearchParameter>>();
            foreach (JsonElement grid in objects)
            {
                if (grid.ValueKind != JsonValueKind.Object)
                {
                    throw new ArgumentException($"a grid is an object of setting → values, not a JSON {grid.ValueKind.ToString().ToLowerInvariant()}.");
                }

                var parameters = new List<SearchParameter>();
                foreach (JsonProperty property in grid.EnumerateObject())
                {
                    string name = property.Name.TrimStart('-');
                    CheckName(name);
                    string[] values = property.Value.ValueKind == JsonValueKind.Array
                        ? property.Value.EnumerateArray().Select(v => Text(name, v)).ToArray()
                        : [Text(name, property.Value)];
                    if (parameters.Any(p => p.Name == name))
                    {
                        throw new ArgumentException($"{name} is given twice in one grid.");
                    }

                    parameters.Add(Parameter(name, values));
                }

                grids.Add(parameters);
            }

            return new ParameterSpace(grids);
        }
    }

    /// <summary>Every candidate of the grids, in order: grid by grid, the last setting varying fastest (as
    /// scikit-learn's ParameterGrid does with its sorted keys).</summary>
    /// <exception cref="InvalidOperationException">A parameter is a range.</exception>
    public IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> Enumerate()
    {
        if (HasRanges)
        {
            throw new InvalidOperationException("a range can only be sampled (random search).");
        }

        foreach (IReadOnlyList<SearchParameter> grid in Grids)
        {
            var index = new int[grid.Count];
            while (true)
            {
                yield return grid.Select((p, j) => new KeyValuePair<string, string>(p.Name, p.Values[index[j]])).ToArray();
                int k = grid.Count - 1;
                while (k >= 0 && ++index[k] == grid[k].Values.Count)
                {
                    index[k--] = 0;
                }

                if (k < 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> candidates drawn with <paramref name="seed"/> (scikit-learn's ParameterSampler): when
    /// every parameter is a list, distinct grid points without replacement (at most the grid's size); otherwise, each
    /// time, a grid uniformly, then each parameter — a range drawn, a list value picked uniformly.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Sample(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(seed);
        if (!HasRanges && GridSize <= MaxGridCandidates * 10)
        {
            var all = Enumerate().ToArray();
            random.Shuffle(all);
            return all.Take(count).ToArray();
        }

        var result = new List<IReadOnlyList<KeyValuePair<string, string>>>(count);
        for (int i = 0; i < count; i++)
        {
            IReadOnlyList<SearchParameter> grid = Grids[random.Next(Grids.Count)];
            result.Add(grid.Select(p => new KeyValuePair<string, string>(p.Name, p.Range is { } range ? range.Sample(random) : p.Values[random.Next(p.Values.Count)])).ToArray());
        }

        return result;
    }

    /// <summary>The space as <c>--grid</c> text.</summary>
    public override string ToString() => string.Join(" | ", Grids.Select(g => string.Join(" ", g.Select(p =>
        $"{p.Name}={(p.Range is { } r ? r.ToString() : string.Join(ListSettings.Contains(p.Name) ? ";" : ",", p.Values.Select(Quote)))}"))));

    private static SearchParameter Parameter(string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0 || values.All(v => v.Length == 0))
        {
            throw new ArgumentException($"{name} has an empty list of values (give {name}=a,b).");
        }

        if (values.Count > 1 && values.Any(v => Range(name, v) is not null))
        {
            throw new ArgumentException($"{name}: a range (low..high) stands alone, not in a list of values.");
        }

        ParameterRange? range = values.Count == 1 ? Range(name, values[0]) : null;

        return range is null ? new SearchParameter(name, values) : new SearchParameter(name, [], range);
    }

    private static ParameterRange? Range(string name, string value)
    {
        try
        {
            return ListSettings.Contains(name) ? null : ParameterRange.TryParse(value);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{name}={value}: {ex.Message}", ex);
        }
    }

    private static void CheckName(string name)
    {
        if (!SearchableNames.Contains(name))
        {
            throw new ArgumentException($"'{name}' is not a train option that can be searched (searchable: {string.Join(", ", SearchableNames)}).");
        }
    }

    private static string Text(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new ArgumentException($"{name}: a value is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a number, string or true/false."),
    };

    /// <summary>Splits at separators outside double quotes and brackets; trims each part and drops empty ones.</summary>
    private static List<string> Split(string text, Func<char, bool> separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        int depth = 0;
        foreach (char c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '(' or '[')
            {
                depth++;
            }
            else if (!quoted && c is ')' or ']')
            {
                depth = Math.Max(0, depth - 1);
            }

            if (!quoted && depth == 0 && separator(c))
            {
                Flush();
                continue;
            }

            current.Append(c);
        }

        if (quoted)
        {
            throw new ArgumentException($"'{text}' has an unclosed double quote.");
        }

        Flush();
        return parts;

        void Flush()
        {
            string part = current.ToString().Trim();
            if (part.Length > 0)
            {
                parts.Add(part);
            }

            current.Clear();
        }
    }

    private static string Unquote(string value) => value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value.Replace("\"", "", StringComparison.Ordinal);

    private static string Quote(string value) => value.Any(c => char.IsWhiteSpace(c) || c is ',' or ';' or '"') ? $"\"{value}\"" : value;
}
