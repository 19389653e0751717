using System.Globalization;

namespace Nabla.Data;

/// <summary>A CSV table with its target read: the task, the class of each row (or its value), and the raw feature
/// columns, which a <see cref="Preprocessing.TabularPreprocessor"/> fitted on a training part turns into a
/// <see cref="Dataset"/> (<c>TabularPreprocessor.ToDataset</c>).</summary>
/// <param name="Table">The raw columns.</param>
/// <param name="Task">Classification, binary or regression.</param>
/// <param name="ClassNames">Class names in output order (empty for regression).</param>
/// <param name="TargetName">The target column's name.</param>
public sealed record TabularData(CsvTable Table, TaskKind Task, IReadOnlyList<string> ClassNames, string TargetName)
{
    /// <summary>The class index of each row (classification and binary); null for regression.</summary>
    public int[]? Labels { get; init; }

    /// <summary>The target value of each row (regression); null otherwise.</summary>
    public float[]? Values { get; init; }

    /// <summary>Rows.</summary>
    public int Count => Table.Rows;

    /// <summary>Feature column names in input order.</summary>
    public IReadOnlyList<string> FeatureNames => Table.FeatureNames;

    /// <summary>The rows of each class, fewest first ((class, count) pairs); empty for regression.</summary>
    public IReadOnlyList<(string Class, int Count)> ClassCounts(ReadOnlySpan<int> rows)
    {
        if (Labels is null)
        {
            return [];
        }

        var counts = new int[ClassNames.Count];
        foreach (int row in rows)
        {
            counts[Labels[row]]++;
        }

        return Enumerable.Range(0, counts.Length).Select(c => (ClassNames[c], counts[c])).OrderBy(p => p.Item2).ToArray();
    }
}

/// <summary>Turns CSV tables into datasets: detects the task and maps class labels to indices.</summary>
public static class Tabular
{
    /// <summary>At most this many distinct integer values make a numeric target a class label rather than a quantity.</summary>
    public const int MaxClassesForNumericTarget = 20;

    /// <summary>
    /// Builds the dataset. Task detection (when <paramref name="task"/> is null): a target that is not all numbers, or
    /// is all integers with at most 20 distinct values, is a class label — binary with 2 classes; anything else is
    /// regression. <paramref name="knownClasses"/> (from a trained model) fixes the classes and their order, and a
    /// label outside them is an error naming its line.
    /// </summary>
    public static TabularData FromTable(CsvTable table, TaskKind? task = null, IReadOnlyList<string>? knownClasses = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        string[] targets = table.Targets ?? throw new DataFormatException($"{table.Path}: no target column to learn from.");
        double[]? numbers = new double[targets.Length];
        for (int i = 0; i < targets.Length && numbers is not null; i++)
        {
            if (!double.TryParse(targets[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]))
            {
                numbers = null;
            }
        }

        TaskKind resolved = task ?? Detect(numbers, targets, knownClasses);
        if (resolved == TaskKind.Regression)
        {
            if (numbers is null)
            {
                int bad = Array.FindIndex(targets, t => !double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                throw new DataFormatException($"{table.Path}: line {table.LineOf(bad)}: target '{CsvLoader.Show(targets[bad])}' is not a number, so this cannot be regression.");
            }

            int nonFinite = Array.FindIndex(numbers, v => !float.IsFinite((float)v));
            if (nonFinite >= 0)
            {
                throw new DataFormatException($"{table.Path}: line {table.LineOf(nonFinite)}: target '{CsvLoader.Show(targets[nonFinite])}' is not a finite 32-bit number.");
            }

            return new TabularData(table, resolved, [], table.TargetName!) { Values = numbers.Select(v => (float)v).ToArray() };
        }

        IReadOnlyList<string> classes = knownClasses ?? (numbers is not null
            ? numbers.Distinct().Order().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray()
            : targets.Distinct().Order(StringComparer.Ordinal).ToArray());
        if (classes.Count < 2)
        {
            throw new DataFormatException($"{table.Path}: the target '{CsvLoader.Show(table.TargetName)}' has a single value ({CsvLoader.Show(classes[0])}): nothing to learn.");
        }

        if (task == TaskKind.Binary && classes.Count != 2)
        {
            throw new DataFormatException($"{table.Path}: binary classification needs a target with 2 classes but '{CsvLoader.Show(table.TargetName)}' has {classes.Count} ({string.Join(", ", classes.Take(8).Select(c => CsvLoader.Show(c)))}{(classes.Count > 8 ? ", …" : "")}); use --task classification.");
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < classes.Count; c++)
        {
            index[classes[c]] = c;
        }

        var labels = new int[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            string key = numbers is not null && knownClasses is null ? numbers[i].ToString(CultureInfo.InvariantCulture) : targets[i];
            if (!index.TryGetValue(key, out labels[i]) &&
                !(numbers is not null && index.TryGetValue(numbers[i].ToString(CultureInfo.InvariantCulture), out labels[i])))
            {
                throw new DataFormatException($"{table.Path}: line {table.LineOf(i)}: label '{CsvLoader.Show(targets[i])}' is not one of the classes the model knows ({string.Join(", ", classes.Take(20).Select(c => CsvLoader.Show(c)))}).");
            }
        }

        TaskKind kind = resolved == TaskKind.Binary && classes.Count == 2 ? TaskKind.Binary : TaskKind.Classification;
        return new TabularData(table, kind, classes, table.TargetName!) { Labels = labels };
    }

    /// <summary>Parses "classification", "binary", "regression".</summary>
    public static TaskKind ParseTask(string name) => name.ToLowerInvariant() switch
    {
        "classification" or "multiclass" => TaskKind.Classification,
        "binary" => TaskKind.Binary,
        "regression" => TaskKind.Regression,
        _ => throw new ArgumentException($"The task '{name}' is not supported. Supported tasks are classification, binary, regression."),
    };

    private static TaskKind Detect(double[]? numbers, string[] targets, IReadOnlyList<string>? knownClasses)
    {
        if (knownClasses is not null)
        {
            return knownClasses.Count == 2 ? TaskKind.Binary : TaskKind.Classification;
        }

        int distinct = numbers?.Distinct().Count() ?? targets.Distinct().Count();
        bool labelLike = numbers is null || (numbers.All(v => v == Math.Floor(v) && Math.Abs(v) < 1e9) && distinct <= MaxClassesForNumericTarget);
        return !labelLike ? TaskKind.Regression : distinct == 2 ? TaskKind.Binary : TaskKind.Classification;
    }
}
