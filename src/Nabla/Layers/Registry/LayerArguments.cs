using System.Globalization;

namespace Nabla.Layers;

/// <summary>
/// The checked settings of one layer: every parameter of its <see cref="LayerType"/>, given or defaulted, held as
/// canonical invariant strings ("32", "0.5", "true", "3,3") and read back typed. Made from a model file's settings
/// (<see cref="FromSettings"/>) or from an <c>--arch</c> call such as <c>conv2d(32, 3, padding=same)</c>
/// (<see cref="FromCall"/>); either way a bad value is reported naming the layer kind and the parameter.
/// </summary>
public sealed class LayerArguments
{
    private readonly Dictionary<string, string> _values;

    private LayerArguments(LayerType type, Dictionary<string, string> values) => (Type, _values) = (type, values);

    /// <summary>The layer kind these settings are for.</summary>
    public LayerType Type { get; }

    /// <summary>The canonical values by parameter name, in declaration order.</summary>
    public IReadOnlyDictionary<string, string> Values => Type.Parameters.Where(p => _values.ContainsKey(p.Name)).ToDictionary(p => p.Name, p => _values[p.Name]);

    /// <summary>Checks settings by name (a model file's): every name must be a parameter, every required one present.</summary>
    /// <exception cref="ArgumentException">An unknown, missing or invalid setting; the message names it.</exception>
    public static LayerArguments FromSettings(LayerType type, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(settings);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in settings)
        {
            LayerParameter parameter = type.Parameters.FirstOrDefault(p => p.Name == name)
                ?? throw new ArgumentException($"{type.Name}: unknown setting '{name}' (settings: {string.Join(", ", type.Parameters.Select(p => p.Name))}).");
            values[name] = Canonical(type, parameter, value ?? throw new ArgumentException($"{type.Name}: setting '{name}' has no value."));
        }

        return Complete(type, values);
    }

    /// <summary>Checks a call's arguments: positional ones in the order of the parameters (an <see cref="ParameterKind.IntList"/>
    /// takes all that remain), then keyword ones by name.</summary>
    /// <exception cref="ArgumentException">Too many, unknown, repeated, missing or invalid arguments; the message names them.</exception>
    public static LayerArguments FromCall(LayerType type, IReadOnlyList<string> positional, IReadOnlyList<KeyValuePair<string, string>> keywords)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(positional);
        ArgumentNullException.ThrowIfNull(keywords);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        LayerParameter[] userParameters = type.Parameters.Where(p => p.Kind != ParameterKind.Seed).ToArray();
        for (int i = 0; i < positional.Count; i++)
        {
            if (i >= userParameters.Length)
            {
                throw new ArgumentException($"{type.Name} takes at most {userParameters.Length} arguments ({type.Signature}), got {positional.Count}.");
            }

            LayerParameter parameter = userParameters[i];
            if (parameter.Kind == ParameterKind.IntList)
            {
                values[parameter.Name] = Canonical(type, parameter, string.Join(",", positional.Skip(i)));
                break;
            }

            values[parameter.Name] = Canonical(type, parameter, positional[i]);
        }

        foreach (var (name, value) in keywords)
        {
            string key = name.Replace('-', '_');
            LayerParameter parameter = userParameters.FirstOrDefault(p => p.Name == key)
                ?? throw new ArgumentException($"{type.Name} has no argument '{name}' ({type.Signature}).");
            if (!values.TryAdd(key, Canonical(type, parameter, value)))
            {
                throw new ArgumentException($"{type.Name}: argument '{name}' is given twice.");
            }
        }

        return Complete(type, values);
    }

    /// <summary>A whole-number setting.</summary>
    public int Int(string name) => int.Parse(Get(name), CultureInfo.InvariantCulture);

    /// <summary>A number setting.</summary>
    public float Float(string name) => float.Parse(Get(name), CultureInfo.InvariantCulture);

    /// <summary>A true/false setting.</summary>
    public bool Bool(string name) => Get(name) == "true";

    /// <summary>A choice setting (lowercase).</summary>
    public string Choice(string name) => Get(name);

    /// <summary>A (height, width) setting.</summary>
    public (int Height, int Width) Pair(string name)
    {
        int[] values = Ints(name);
        return (values[0], values[1]);
    }

    /// <summary>A list setting.</summary>
    public int[] Ints(string name) => Get(name).Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A seed setting.</summary>
    public ulong Seed(string name) => ulong.Parse(Get(name), CultureInfo.InvariantCulture);

    private string Get(string name) => _values.TryGetValue(name, out string? value) ? value
        : throw new ArgumentException($"{Type.Name} has no setting '{name}'.");

    private static LayerArguments Complete(LayerType type, Dictionary<string, string> values)
    {
        foreach (LayerParameter parameter in type.Parameters)
        {
            if (!values.ContainsKey(parameter.Name))
            {
                values[parameter.Name] = parameter.Default
                    ?? throw new ArgumentException($"{type.Name} needs '{parameter.Name}' ({type.Signature}).");
            }
        }

        return new LayerArguments(type, values);
    }

    /// <summary>The canonical form of <paramref name="text"/> for <paramref name="parameter"/>, or an error naming both.</summary>
    private static string Canonical(LayerType type, LayerParameter parameter, string text)
    {
        string value = text.Trim().Trim('(', ')', '[', ']').Trim();
        string? result = parameter.Kind switch
        {
            ParameterKind.Int => TryInt(value, parameter) is { } i ? i.ToString(CultureInfo.InvariantCulture) : null,
            ParameterKind.Float => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
                && d >= parameter.Minimum && (parameter.Maximum is not { } max || d < max)
                ? ((float)d).ToString("R", CultureInfo.InvariantCulture) : null,
            ParameterKind.Bool => value.ToLowerInvariant() switch { "true" or "1" or "yes" => "true", "false" or "0" or "no" => "false", _ => null },
            ParameterKind.Choice => parameter.Choices!.FirstOrDefault(c => string.Equals(c, value.Replace('_', '-'), StringComparison.OrdinalIgnoreCase)
                || string.Equals(c, value, StringComparison.OrdinalIgnoreCase)),
            ParameterKind.Pair => List(value, parameter) is { Length: 1 or 2 } pair ? (pair.Length == 1 ? $"{pair[0]},{pair[0]}" : $"{pair[0]},{pair[1]}") : null,
            ParameterKind.IntList => List(value, parameter) is { Length: > 0 } list ? string.Join(",", list) : null,
            ParameterKind.Seed => ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed) ? seed.ToString(CultureInfo.InvariantCulture) : null,
            _ => null,
        };
        return result ?? throw new ArgumentException($"{type.Name}: {parameter.Name} must be {Expected(parameter)}, got '{text}'.");
    }

    private static int? TryInt(string value, LayerParameter parameter) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) && i >= parameter.Minimum && (parameter.Maximum is not { } max || i < max) ? i : null;

    private static string[]? List(string value, LayerParameter parameter)
    {
        string[] parts = value.Split([',', 'x', '×', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int?[] numbers = parts.Select(p => TryInt(p, parameter)).ToArray();
        return numbers.Length > 0 && numbers.All(n => n is not null) ? numbers.Select(n => n!.Value.ToString(CultureInfo.InvariantCulture)).ToArray() : null;
    }

    private static string Expected(LayerParameter p)
    {
        string range = p.Maximum is { } max ? $" in [{p.Minimum}, {max})" : double.IsFinite(p.Minimum) ? $" ≥ {p.Minimum}" : "";
        return p.Kind switch
        {
            ParameterKind.Int => "a whole number" + range,
            ParameterKind.Float => "a number" + range,
            ParameterKind.Bool => "true or false",
            ParameterKind.Choice => "one of " + string.Join(", ", p.Choices!),
            ParameterKind.Pair => "a whole number" + range + " or a pair (h, w)",
            ParameterKind.IntList => "whole numbers" + range,
            _ => "a seed (a whole number ≥ 0)",
        };
    }
}
