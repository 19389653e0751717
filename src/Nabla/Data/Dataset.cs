using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// Samples and their class labels: features [count, features...] (float32, already scaled) and one integer label per
/// sample, the one label representation everywhere; one-hot targets are made from it when a loss needs them.
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a dataset; labels must be in [0, classCount).</summary>
    public Dataset(Tensor features, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Rows != labels.Length)
        {
            throw new ArgumentException($"The dataset has {features.Rows} samples but {labels.Length} labels.");
        }

        foreach (int label in labels)
        {
            if (label < 0 || label >= classCount)
            {
                throw new ArgumentException($"Label {label} is outside the {classCount} classes [0, {classCount}).");
            }
        }

        Features = features;
        Labels = labels;
        ClassCount = classCount;
    }

    /// <summary>[count, features...].</summary>
    public Tensor Features { get; }

    /// <summary>One class index per sample.</summary>
    public int[] Labels { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>The first <paramref name="count"/> samples (a copy).</summary>
    public Dataset Take(int count)
    {
        count = Math.Min(count, Count);
        return new Dataset(Features.RowRange(0, count).Clone(), Labels[..count], ClassCount);
    }

    /// <summary>Splits off the last <paramref name="fraction"/> of the samples (after a seeded shuffle) as a validation set.</summary>
    public (Dataset Train, Dataset Validation) SplitValidation(double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), $"The validation fraction must be in (0, 1), got {fraction}.");
        }

        int[] order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        int validationCount = Math.Max(1, (int)Math.Round(Count * fraction));
        return (Subset(order[..^validationCount]), Subset(order[^validationCount..]));
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order (a copy).</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        int width = Features.RowLength;
        var features = new Tensor(Features.Shape.WithBatch(indices.Length));
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Features.Row(indices[i]).CopyTo(features.Span.Slice(i * width, width));
            labels[i] = Labels[indices[i]];
        }

        return new Dataset(features, labels, ClassCount);
    }
}
