using System.Globalization;

namespace Nabla.Training;

/// <summary>The recipe's settings by their <c>nabla train</c> option names, so that a search can vary any of them.</summary>
public sealed partial record TrainingRecipe
{
    /// <summary>The settings <see cref="WithSetting"/> knows: <c>nabla train</c>'s option names without the dashes.</summary>
    public static IReadOnlyList<string> SettingNames { get; } =
    [
        "arch", "layers", "activation", "loss", "optimizer", "lr", "weight-decay", "epochs", "max-epochs", "tol", "n-iter-no-change",
        "batch-size", "init", "seed", "dropout", "batch-norm", "l2", "clip-norm", "clip-value", "schedule", "early-stopping", "monitor",
        "patience", "min-delta", "val-split", "augment",
    ];

    /// <summary>
    /// This recipe with setting <paramref name="name"/> (one of <see cref="SettingNames"/>) set from option text, as
    /// <c>nabla train</c> parses it: <c>layers=128,64</c> (or <c>none</c>), <c>epochs=auto</c> or a count,
    /// <c>batch-size=auto|full|64</c>, flags as <c>true</c>/<c>false</c>, numbers in invariant culture; <c>arch</c>
    /// takes an architecture text. The value is checked by <see cref="Validate"/> later, as the option's is.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, or text the option cannot take, naming the option.</exception>
    public TrainingRecipe WithSetting(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        string text = value.Trim();
        return name switch
        {
            "arch" => this with { Architecture = text.Length == 0 || text == "none" ? null : text },
            "layers" => this with { Hidden = ParseLayers(text) },
            "activation" => this with { Activation = text },
            "loss" => this with { Loss = text.Length == 0 || text == "auto" ? null : text },
            "optimizer" => this with { Optimizer = text },
            "lr" => this with { LearningRate = text == "auto" ? null : ParseFloat(name, text) },
            "weight-decay" => this with { WeightDecay = ParseFloat(name, text) },
            "epochs" => this with { Epochs = ParseEpochs(text) },
            "max-epochs" => this with { MaxEpochs = ParseInt(name, text) },
            "tol" => this with { Tolerance = ParseFloat(name, text) },
            "n-iter-no-change" => this with { NoImprovementEpochs = ParseInt(name, text) },
            "batch-size" => this with { BatchSize = ParseBatchSize(text) },
            "init" => this with { Init = text },
            "seed" => this with { Seed = ParseInt(name, text) },
            "dropout" => this with { Dropout = ParseFloat(name, text) },
            "batch-norm" => this with { BatchNorm = ParseBool(name, text) },
            "l2" => this with { L2 = ParseFloat(name, text) },
            "clip-norm" => this with { ClipNorm = text == "none" ? null : ParseFloat(name, text) },
            "clip-value" => this with { ClipValue = text == "none" ? null : ParseFloat(name, text) },
            "schedule" => this with { Schedule = text },
            "early-stopping" => this with { EarlyStopping = ParseBool(name, text) },
            "monitor" => this with { Monitor = text },
            "patience" => this with { Patience = ParseInt(name, text) },
            "min-delta" => this with { MinDelta = ParseFloat(name, text) },
            "val-split" => this with { ValidationSplit = ParseFloat(name, text) },
            "augment" => this with { Augment = text.Length == 0 || text == "none" ? null : text },
            _ => throw new ArgumentException($"'{name}' is not a training setting ({string.Join(", ", SettingNames)})."),
        };
    }

    /// <summary>Parses <c>--layers</c> text: widths separated by commas ("512,512"), or "none" for no hidden layer.</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static int[] ParseLayers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "none")
        {
            return [];
        }

        return text.Split(',', StringSplitOptions.TrimEntries).Select(part =>
            int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int width) && width > 0
                ? width
                : throw new ArgumentException($"--layers takes positive widths separated by commas (e.g. 512,512), got '{text}'.")).ToArray();
    }

    /// <summary>Parses <c>--batch-size</c> text: a positive count, "full" (0) or "auto" (null).</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static int? ParseBatchSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Equals("full", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0
            ? size
            : throw new ArgumentException($"--batch-size takes a positive number, 'full' or 'auto', got '{text}'.");
    }

    /// <summary>Parses <c>--epochs</c> text: a count ≥ 1, or "auto" (null).</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static int? ParseEpochs(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int epochs) && epochs >= 1
            ? epochs
            : throw new ArgumentException($"--epochs takes a count ≥ 1 or 'auto', got '{text}'.");
    }

    private static float ParseFloat(string name, string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            ? value
            : throw new ArgumentException($"--{name} takes a number, got '{text}'.");

    private static int ParseInt(string name, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"--{name} takes a whole number, got '{text}'.");

    private static bool ParseBool(string name, string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new ArgumentException($"--{name} is a flag: true or false, got '{text}'."),
    };
}
