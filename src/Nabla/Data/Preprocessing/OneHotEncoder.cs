namespace Nabla.Data.Preprocessing;

/// <summary>
/// A categorical column as one 0/1 input per category learned from the training part (sorted, as scikit-learn's
/// OneHotEncoder), then optionally a "(missing)" input and an "(infrequent)" input. Categories with fewer than the
/// minimum frequency in training share the infrequent input; a category never seen in training maps to it as well
/// when it exists, and otherwise to no input at all (all zeros) — scikit-learn's
/// <c>handle_unknown="infrequent_if_exist"</c>. Either way it is counted in the <see cref="TransformReport"/>.
/// </summary>
public sealed class OneHotEncoder : ColumnEncoder
{
    /// <summary>The label of the missing-category input.</summary>
    public const string MissingLabel = "(missing)";

    /// <summary>The label of the infrequent input.</summary>
    public const string InfrequentLabel = "(infrequent)";

    private readonly Dictionary<string, int> _slots;

    /// <summary>Creates the encoder from its fitted values.</summary>
    /// <param name="name">The column.</param>
    /// <param name="missingInTraining">Missing cells in the training part.</param>
    /// <param name="categories">The categories with an input of their own, in input order; distinct.</param>
    /// <param name="imputation">What a missing cell becomes.</param>
    /// <param name="missingSlot">Whether a "(missing)" input follows the categories (the missing-category strategy
    /// when the training part had missing cells).</param>
    /// <param name="infrequent">The categories too rare in training for an input of their own (they and unseen
    /// categories share the "(infrequent)" input, present when this is not empty).</param>
    /// <param name="mostFrequent">With <see cref="CategoricalImputation.MostFrequent"/>: the category a missing cell becomes.</param>
    public OneHotEncoder(string name, int missingInTraining, IReadOnlyList<string> categories, CategoricalImputation imputation, bool missingSlot,
        IReadOnlyList<string> infrequent, string? mostFrequent)
        : base(name, missingInTraining)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(infrequent);
        _slots = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < categories.Count; k++)
        {
            if (categories[k] is null || !_slots.TryAdd(categories[k], k))
            {
                throw new ArgumentException($"Column '{CsvLoader.Show(name)}' lists the category '{CsvLoader.Show(categories[k] ?? "")}' twice.");
            }
        }

        foreach (string rare in infrequent)
        {
            if (rare is null || !_slots.TryAdd(rare, categories.Count + (missingSlot ? 1 : 0)))
            {
                throw new ArgumentException($"Column '{CsvLoader.Show(name)}' lists the category '{CsvLoader.Show(rare ?? "")}' twice.");
            }
        }

        if (mostFrequent is not null && !_slots.ContainsKey(mostFrequent))
        {
            throw new ArgumentException($"Column '{CsvLoader.Show(name)}': the most frequent category '{CsvLoader.Show(mostFrequent)}' is not one of its categories.");
        }

        (Categories, Imputation, HasMissingSlot, Infrequent, MostFrequent) = ([.. categories], imputation, missingSlot, [.. infrequent], mostFrequent);
        var names = Categories.Select(c => $"{name}={c}").ToList();
        if (missingSlot)
        {
            names.Add($"{name}={MissingLabel}");
        }

        if (Infrequent.Count > 0)
        {
            names.Add($"{name}={InfrequentLabel}");
        }

        OutputNames = names;
    }

    /// <summary>The categories with an input of their own, in input order.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>What a missing cell becomes.</summary>
    public CategoricalImputation Imputation { get; }

    /// <summary>Whether a "(missing)" input follows the categories.</summary>
    public bool HasMissingSlot { get; }

    /// <summary>The training categories that share the "(infrequent)" input.</summary>
    public IReadOnlyList<string> Infrequent { get; }

    /// <summary>The category a missing cell becomes with <see cref="CategoricalImputation.MostFrequent"/>.</summary>
    public string? MostFrequent { get; }

    /// <inheritdoc/>
    public override ColumnKind Kind => ColumnKind.Categorical;

    /// <inheritdoc/>
    public override int Width => Categories.Count + (HasMissingSlot ? 1 : 0) + (Infrequent.Count > 0 ? 1 : 0);

    /// <inheritdoc/>
    public override IReadOnlyList<string> OutputNames { get; }

    /// <inheritdoc/>
    public override bool IsScaled(int output) => false;

    /// <summary>Fits on the training rows <paramref name="rows"/> of <paramref name="column"/> (code −1 = missing).</summary>
    public static OneHotEncoder Fit(CsvColumn column, ReadOnlySpan<int> rows, CategoricalImputation imputation, int minFrequency)
    {
        ArgumentNullException.ThrowIfNull(column);
        var (counts, missing) = Count(column, rows);
        var seen = Enumerable.Range(0, counts.Length).Where(c => counts[c] > 0).ToArray();
        string[] categories = seen.Where(c => counts[c] >= minFrequency).Select(c => column.Levels[c]).Order(StringComparer.Ordinal).ToArray();
        string[] infrequent = seen.Where(c => counts[c] < minFrequency).Select(c => column.Levels[c]).Order(StringComparer.Ordinal).ToArray();
        string? mostFrequent = imputation == CategoricalImputation.MostFrequent && seen.Length > 0
            ? column.Levels[seen.OrderByDescending(c => counts[c]).ThenBy(c => column.Levels[c], StringComparer.Ordinal).First()]
            : null;
        return new OneHotEncoder(column.Name, missing, categories, imputation, imputation == CategoricalImputation.MissingCategory && missing > 0, infrequent, mostFrequent);
    }

    /// <summary>Rows per level of <paramref name="column"/> among <paramref name="rows"/>, and the missing cells.</summary>
    internal static (int[] Counts, int Missing) Count(CsvColumn column, ReadOnlySpan<int> rows)
    {
        int[] codes = column.Codes ?? throw new ArgumentException($"Column '{column.Name}' is not categorical.");
        var counts = new int[column.Levels.Count];
        int missing = 0;
        foreach (int row in rows)
        {
            if (codes[row] < 0)
            {
                missing++;
            }
            else
            {
                counts[codes[row]]++;
            }
        }

        return (counts, missing);
    }

    /// <inheritdoc/>
    public override string Describe()
    {
        string missing = MissingInTraining == 0 ? "none missing in training"
            : $"{MissingInTraining} missing in training → {(HasMissingSlot ? MissingLabel : $"'{CsvLoader.Show(MostFrequent ?? "")}' (most frequent)")}";
        string rare = Infrequent.Count > 0 ? $", {Infrequent.Count} infrequent → {InfrequentLabel} (unseen ones too)" : ", unseen → all zeros";
        return $"categorical; one-hot, {Categories.Count} categories{rare}; {missing}";
    }

    internal override void Encode(CsvColumn column, ReadOnlySpan<int> rows, Span<float> output, int stride, int offset, TransformReport report, int index)
    {
        int[] codes = column.Codes!;
        int infrequentSlot = Infrequent.Count > 0 ? Categories.Count + (HasMissingSlot ? 1 : 0) : -1;
        int missingSlot = Imputation == CategoricalImputation.MostFrequent && MostFrequent is not null ? _slots[MostFrequent]
            : HasMissingSlot ? Categories.Count : -1;

        // Each of the table's levels is looked up once.
        var slotOfLevel = new int[column.Levels.Count];
        for (int level = 0; level < slotOfLevel.Length; level++)
        {
            slotOfLevel[level] = _slots.TryGetValue(column.Levels[level], out int slot) ? slot : -2;
        }

        long imputed = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            int code = codes[rows[i]];
            int slot = code < 0 ? missingSlot : slotOfLevel[code];
            if (code < 0)
            {
                imputed++;
            }
            else if (slot == -2)
            {
                report.Unknown(index, column.Levels[code]);
                slot = infrequentSlot;
            }

            Span<float> inputs = output.Slice(i * stride + offset, Width);
            inputs.Clear();
            if (slot >= 0)
            {
                inputs[slot] = 1f;
            }
        }

        report.Imputed(index, imputed);
    }
}
