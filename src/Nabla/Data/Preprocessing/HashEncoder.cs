using System.Text;

namespace Nabla.Data.Preprocessing;

/// <summary>
/// A categorical column of many categories by the hashing trick (Weinberger et al., 2009; Keras's Hashing layer): a
/// category's UTF-8 text is hashed with 32-bit FNV-1a and the input <c>hash mod Buckets</c> is set to 1. The width
/// stays fixed however many categories there are and the model stores no vocabulary; the price is that categories
/// sharing a bucket look alike to the network, and a category unseen in training simply lands in some bucket (it
/// cannot be told from a known one, so it is not counted as unknown). The first dense layer on one-hot or hashed
/// inputs is exactly an embedding lookup (a row of weights per bucket), so no separate embedding layer is needed.
/// A missing cell gets a "(missing)" input of its own (when the training part had missing cells) or the most frequent
/// category's bucket.
/// </summary>
public sealed class HashEncoder : ColumnEncoder
{
    /// <summary>The most buckets a column may have.</summary>
    public const int MaxBuckets = 1 << 16;

    /// <summary>Creates the encoder from its fitted values.</summary>
    public HashEncoder(string name, int missingInTraining, int buckets, CategoricalImputation imputation, bool missingSlot, int? mostFrequentBucket, int categoriesInTraining)
        : base(name, missingInTraining)
    {
        if (buckets < 1 || buckets > MaxBuckets)
        {
            throw new ArgumentOutOfRangeException(nameof(buckets), $"Column '{CsvLoader.Show(name)}': buckets must be in [1, {MaxBuckets}], got {buckets}.");
        }

        if (mostFrequentBucket is { } b && (b < 0 || b >= buckets))
        {
            throw new ArgumentOutOfRangeException(nameof(mostFrequentBucket), $"Column '{CsvLoader.Show(name)}': the most frequent bucket {b} is outside [0, {buckets}).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(categoriesInTraining);
        (Buckets, Imputation, HasMissingSlot, MostFrequentBucket, CategoriesInTraining) = (buckets, imputation, missingSlot, mostFrequentBucket, categoriesInTraining);
        OutputNames = [.. Enumerable.Range(0, buckets).Select(k => $"{name}#{k}"), .. missingSlot ? [$"{name}={OneHotEncoder.MissingLabel}"] : Array.Empty<string>()];
    }

    /// <summary>Inputs the categories are hashed into.</summary>
    public int Buckets { get; }

    /// <summary>What a missing cell becomes.</summary>
    public CategoricalImputation Imputation { get; }

    /// <summary>Whether a "(missing)" input follows the buckets.</summary>
    public bool HasMissingSlot { get; }

    /// <summary>With <see cref="CategoricalImputation.MostFrequent"/>: the bucket of the most frequent training category.</summary>
    public int? MostFrequentBucket { get; }

    /// <summary>Distinct categories in the training part (for the summary).</summary>
    public int CategoriesInTraining { get; }

    /// <inheritdoc/>
    public override ColumnKind Kind => ColumnKind.Categorical;

    /// <inheritdoc/>
    public override int Width => Buckets + (HasMissingSlot ? 1 : 0);

    /// <inheritdoc/>
    public override IReadOnlyList<string> OutputNames { get; }

    /// <inheritdoc/>
    public override bool IsScaled(int output) => false;

    /// <summary>The bucket of <paramref name="category"/>: FNV-1a (32 bits) of its UTF-8 bytes, mod <paramref name="buckets"/>.</summary>
    public static int Bucket(string category, int buckets)
    {
        ArgumentNullException.ThrowIfNull(category);
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(category))
        {
            hash = (hash ^ b) * 16777619;
        }

        return (int)(hash % (uint)buckets);
    }

    /// <summary>Fits on the training rows <paramref name="rows"/> of <paramref name="column"/>.</summary>
    public static HashEncoder Fit(CsvColumn column, ReadOnlySpan<int> rows, int buckets, CategoricalImputation imputation)
    {
        ArgumentNullException.ThrowIfNull(column);
        var (counts, missing) = OneHotEncoder.Count(column, rows);
        int[] seen = Enumerable.Range(0, counts.Length).Where(c => counts[c] > 0).ToArray();
        int? mostFrequent = imputation == CategoricalImputation.MostFrequent && seen.Length > 0
            ? Bucket(column.Levels[seen.OrderByDescending(c => counts[c]).ThenBy(c => column.Levels[c], StringComparer.Ordinal).First()], buckets)
            : null;
        return new HashEncoder(column.Name, missing, buckets, imputation, imputation == CategoricalImputation.MissingCategory && missing > 0, mostFrequent, seen.Length);
    }

    /// <inheritdoc/>
    public override string Describe()
    {
        string missing = MissingInTraining == 0 ? "none missing in training"
            : $"{MissingInTraining} missing in training → {(HasMissingSlot ? OneHotEncoder.MissingLabel : $"bucket {MostFrequentBucket} (most frequent)")}";
        return $"categorical; hashed, {CategoriesInTraining} categories into {Buckets} buckets (unseen ones share buckets); {missing}";
    }

    internal override void Encode(CsvColumn column, ReadOnlySpan<int> rows, Span<float> output, int stride, int offset, TransformReport report, int index)
    {
        int[] codes = column.Codes!;
        var bucketOfLevel = new int[column.Levels.Count];
        for (int level = 0; level < bucketOfLevel.Length; level++)
        {
            bucketOfLevel[level] = Bucket(column.Levels[level], Buckets);
        }

        int missingSlot = Imputation == CategoricalImputation.MostFrequent && MostFrequentBucket is { } b ? b : HasMissingSlot ? Buckets : -1;
        long imputed = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            int code = codes[rows[i]];
            int slot = code < 0 ? missingSlot : bucketOfLevel[code];
            imputed += code < 0 ? 1 : 0;
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
