using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// Samples and what the network should output for them: features [count, features...] (float32, already scaled) and
/// targets [count, outputs] — one-hot rows for classification, one 0/1 column for binary classification, values for
/// regression. Classification datasets also keep one integer label per sample, the one label representation
/// everywhere (the one-hot rows are made from it).
/// </summary>
public sealed class Dataset
{
    private Tensor? _targets;

    /// <summary>Creates a classification dataset; labels must be in [0, classCount).</summary>
    public Dataset(Tensor features, int[] labels, int classCount)
        : this(features, labels, classCount, TaskKind.Classification, null)
    {
    }

    private Dataset(Tensor features, int[]? labels, int classCount, TaskKind task, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        int count = labels?.Length ?? targets!.Rows;
        if (features.Rows != count)
        {
            throw new ArgumentException($"The dataset has {features.Rows} samples but {count} targets.");
        }

        foreach (int label in labels ?? [])
        {
            if (label < 0 || label >= classCount)
            {
                throw new ArgumentException($"Label {label} is outside the {classCount} classes [0, {classCount}).");
            }
        }

        (Features, Labels, ClassCount, Task, _targets) = (features, labels, classCount, task, targets);
    }

    /// <summary>A binary classification dataset: labels 0 or 1, one target column.</summary>
    public static Dataset Binary(Tensor features, int[] labels) => new(features, labels, 2, TaskKind.Binary, null);

    /// <summary>A regression dataset with targets [count, outputs].</summary>
    public static Dataset Regression(Tensor features, Tensor targets) => new(features, null, 0, TaskKind.Regression, targets);

    /// <summary>[count, features...].</summary>
    public Tensor Features { get; }

    /// <summary>One class index per sample; null for regression.</summary>
    public int[]? Labels { get; }

    /// <summary>Number of classes (0 for regression).</summary>
    public int ClassCount { get; }

    /// <summary>What the target is.</summary>
    public TaskKind Task { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Features.Rows;

    /// <summary>Values the network outputs per sample: classes, 1 for binary, target columns for regression.</summary>
    public int OutputCount => Task switch
    {
        TaskKind.Classification => ClassCount,
        TaskKind.Binary => 1,
        _ => _targets!.RowLength,
    };

    /// <summary>[count, outputs]: one-hot rows, a 0/1 column, or regression values (made once, on first use).</summary>
    public Tensor Targets => _targets ??= MakeTargets();

    /// <summary>The class labels, or an error for a regression dataset.</summary>
    public int[] RequireLabels() => Labels ?? throw new InvalidOperationException("A regression dataset has no class labels.");

    /// <summary>The first <paramref name="count"/> samples (a copy).</summary>
    public Dataset Take(int count) => Subset(Enumerable.Range(0, Math.Min(count, Count)).ToArray());

    /// <summary>Splits off a seeded random <paramref name="fraction"/> of the samples — stratified (each class in
    /// proportion) for classification — returning (rest, held out).</summary>
    public (Dataset Train, Dataset Validation) SplitValidation(double fraction, int seed)
    {
        var (rest, heldOut) = Splits.TrainTest(Count, Labels, fraction, seed);
        return (Subset(rest), Subset(heldOut));
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order (a copy).</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = Gather(Features, indices);
        return new Dataset(features, Labels is null ? null : Pick(Labels, indices), ClassCount, Task,
            Task == TaskKind.Regression ? Gather(_targets!, indices) : null);
    }

    private static int[] Pick(int[] values, ReadOnlySpan<int> indices)
    {
        var result = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            result[i] = values[indices[i]];
        }

        return result;
    }

    private static Tensor Gather(Tensor source, ReadOnlySpan<int> indices)
    {
        int width = source.RowLength;
        var result = new Tensor(source.Shape.WithBatch(indices.Length));
        for (int i = 0; i < indices.Length; i++)
        {
            source.Row(indices[i]).CopyTo(result.Span.Slice(i * width, width));
        }

        return result;
    }

    private Tensor MakeTargets()
    {
        int[] labels = RequireLabels();
        if (Task == TaskKind.Binary)
        {
            return new Tensor(labels.Select(l => (float)l).ToArray(), new Shape(labels.Length, 1));
        }

        var result = new Tensor(labels.Length, ClassCount);
        Span<float> values = result.Span;
        for (int i = 0; i < labels.Length; i++)
        {
            values[i * ClassCount + labels[i]] = 1f;
        }

        return result;
    }
}
