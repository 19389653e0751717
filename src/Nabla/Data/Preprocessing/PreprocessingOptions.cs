using System.Globalization;

namespace Nabla.Data.Preprocessing;

/// <summary>
/// How a <see cref="TabularPreprocessor"/> turns table columns into network inputs, with the settings named as
/// <c>nabla train</c>'s options (<see cref="WithSetting"/> sets one by that name, as a search does).
/// </summary>
public sealed record PreprocessingOptions
{
    /// <summary>The options that <see cref="WithSetting"/> knows, as option names without dashes.</summary>
    public static IReadOnlyList<string> SettingNames { get; } =
        ["scale", "impute", "impute-categorical", "missing-indicator", "encoding", "max-onehot", "hash-buckets", "min-frequency"];

    /// <summary>Scaling of numeric columns, fitted on the training part (<c>--scale</c>); one-hot and indicator inputs
    /// stay 0/1, as in scikit-learn's ColumnTransformer recipe.</summary>
    public ScalingKind Scaling { get; init; } = ScalingKind.Standard;

    /// <summary>Missing numbers (<c>--impute</c>).</summary>
    public NumericImputation NumericImputation { get; init; } = NumericImputation.Median;

    /// <summary>Missing categories (<c>--impute-categorical</c>).</summary>
    public CategoricalImputation CategoricalImputation { get; init; } = CategoricalImputation.MissingCategory;

    /// <summary>Adds a 0/1 input "column is missing" after each numeric column that had missing cells in the training
    /// part (<c>--missing-indicator</c>; scikit-learn's <c>add_indicator</c>).</summary>
    public bool MissingIndicator { get; init; }

    /// <summary>How categorical columns are encoded (<c>--encoding</c>).</summary>
    public CategoricalEncoding Encoding { get; init; } = CategoricalEncoding.Auto;

    /// <summary>With <see cref="CategoricalEncoding.Auto"/>, columns with more categories than this are hashed (<c>--max-onehot</c>).</summary>
    public int MaxOneHotCategories { get; init; } = 64;

    /// <summary>Inputs per hashed column (<c>--hash-buckets</c>).</summary>
    public int HashBuckets { get; init; } = 32;

    /// <summary>One-hot: categories with fewer training rows than this share one "infrequent" input, which also takes
    /// categories never seen in training (<c>--min-frequency</c>; scikit-learn's <c>min_frequency</c> with
    /// <c>handle_unknown="infrequent_if_exist"</c>). 1: every category gets an input and an unseen one gets none (all zeros).</summary>
    public int MinFrequency { get; init; } = 1;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">The first problem, naming the option.</exception>
    public void Validate()
    {
        Require(MaxOneHotCategories >= 1, $"--max-onehot must be at least 1, got {MaxOneHotCategories}.");
        Require(HashBuckets >= 1 && HashBuckets <= HashEncoder.MaxBuckets, $"--hash-buckets must be in [1, {HashEncoder.MaxBuckets}], got {HashBuckets}.");
        Require(MinFrequency >= 1, $"--min-frequency must be at least 1, got {MinFrequency}.");
    }

    /// <summary>These options with the setting <paramref name="name"/> (one of <see cref="SettingNames"/>) set from its
    /// option text, as <c>nabla train</c> would parse it.</summary>
    /// <exception cref="ArgumentException">An unknown name or a value the option does not take.</exception>
    public PreprocessingOptions WithSetting(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        string text = value.Trim();
        return name switch
        {
            "scale" => this with { Scaling = Scaler.ParseKind(text) },
            "impute" => this with { NumericImputation = ParseNumericImputation(text) },
            "impute-categorical" => this with { CategoricalImputation = ParseCategoricalImputation(text) },
            "missing-indicator" => this with { MissingIndicator = ParseBool(name, text) },
            "encoding" => this with { Encoding = ParseEncoding(text) },
            "max-onehot" => this with { MaxOneHotCategories = ParseInt(name, text) },
            "hash-buckets" => this with { HashBuckets = ParseInt(name, text) },
            "min-frequency" => this with { MinFrequency = ParseInt(name, text) },
            _ => throw new ArgumentException($"'{name}' is not a preprocessing setting ({string.Join(", ", SettingNames)})."),
        };
    }

    /// <summary>The setting <paramref name="name"/> (one of <see cref="SettingNames"/>) as option text, as
    /// <see cref="WithSetting"/> reads it back.</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public string Setting(string name) => name switch
    {
        "scale" => Scaling.ToString().ToLowerInvariant(),
        "impute" => NumericImputation.ToString().ToLowerInvariant(),
        "impute-categorical" => CategoricalImputation == CategoricalImputation.MostFrequent ? "most-frequent" : "missing",
        "missing-indicator" => MissingIndicator ? "true" : "false",
        "encoding" => Encoding.ToString().ToLowerInvariant(),
        "max-onehot" => MaxOneHotCategories.ToString(CultureInfo.InvariantCulture),
        "hash-buckets" => HashBuckets.ToString(CultureInfo.InvariantCulture),
        "min-frequency" => MinFrequency.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"'{name}' is not a preprocessing setting ({string.Join(", ", SettingNames)})."),
    };

    /// <summary>Parses "median", "mean".</summary>
    public static NumericImputation ParseNumericImputation(string text) => text.ToLowerInvariant() switch
    {
        "median" => NumericImputation.Median,
        "mean" => NumericImputation.Mean,
        _ => throw new ArgumentException($"--impute takes median or mean, got '{text}'."),
    };

    /// <summary>Parses "missing", "most-frequent".</summary>
    public static CategoricalImputation ParseCategoricalImputation(string text) => text.ToLowerInvariant().Replace('_', '-') switch
    {
        "missing" or "constant" => CategoricalImputation.MissingCategory,
        "most-frequent" => CategoricalImputation.MostFrequent,
        _ => throw new ArgumentException($"--impute-categorical takes missing or most-frequent, got '{text}'."),
    };

    /// <summary>Parses "auto", "onehot", "hash".</summary>
    public static CategoricalEncoding ParseEncoding(string text) => text.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        "auto" => CategoricalEncoding.Auto,
        "onehot" => CategoricalEncoding.OneHot,
        "hash" or "hashing" => CategoricalEncoding.Hash,
        _ => throw new ArgumentException($"--encoding takes auto, onehot or hash, got '{text}'."),
    };

    private static bool ParseBool(string name, string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new ArgumentException($"--{name} takes true or false, got '{text}'."),
    };

    private static int ParseInt(string name, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"--{name} takes a whole number, got '{text}'.");

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
