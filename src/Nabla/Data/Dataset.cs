using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Data;

/// <summary>
/// Samples and what the network should output for them: features [count, features...] (float32, already scaled) and
/// targets [count, outputs] — one-hot rows for classification, one 0/1 column for binary classification, values for
/// regression. Classification datasets also keep one integer label per sample, the one label representation
/// everywhere (the one-hot rows are made from it).
/// </summary>
/// <remarks>
/// Images read from IDX files stay compact: one byte per pixel plus the scale (1/255), a quarter of the memory of
/// floats. Training and evaluation expand only the rows of the batch at hand (<see cref="CopyFeatures"/>), so the
/// 10,000 MNIST digits take 7.8 MB — small enough to stay in the processor's cache across full-batch iterations —
/// instead of 31 MB that must stream from memory every time. <see cref="Features"/> expands everything on first use
/// for code that wants one float tensor; from then on that tensor is the data (changes to it count).
/// </remarks>
public sealed class Dataset
{
    private readonly byte[]? _bytes;
    private readonly float _byteScale;
    private readonly Shape _featureShape;
    private readonly object _lazyLock = new();
    private Tensor? _features;
    private Tensor? _targets;

    /// <summary>Creates a classification dataset; labels must be in [0, classCount).</summary>
    public Dataset(Tensor features, int[] labels, int classCount)
        : this(features, labels, classCount, TaskKind.Classification, null)
    {
    }

    private Dataset(Tensor features, int[]? labels, int classCount, TaskKind task, Tensor? targets)
        : this(features, null, 0f, (features ?? throw new ArgumentNullException(nameof(features))).Shape, labels, classCount, task, targets)
    {
    }

    private Dataset(Tensor? features, byte[]? bytes, float byteScale, Shape featureShape, int[]? labels, int classCount, TaskKind task, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        int count = labels?.Length ?? targets!.Rows;
        if (featureShape[0] != count)
        {
            throw new ArgumentException($"The dataset has {featureShape[0]} samples but {count} targets.");
        }

        foreach (int label in labels ?? [])
        {
            if (label < 0 || label >= classCount)
            {
                throw new ArgumentException($"Label {label} is outside the {classCount} classes [0, {classCount}).");
            }
        }

        (_features, _bytes, _byteScale, _featureShape) = (features, bytes, byteScale, featureShape);
        (Labels, ClassCount, Task, _targets) = (labels, classCount, task, targets);
    }

    /// <summary>A classification dataset kept as bytes: sample i's features are
    /// <c>values[i·featureCount + j]·scale</c> (e.g. 8-bit pixels with scale 1/255). The array is kept, not copied.</summary>
    public static Dataset FromBytes(byte[] values, int featureCount, float scale, int[] labels, int classCount) =>
        FromBytes(values, new Shape(featureCount), scale, labels, classCount);

    /// <summary>A classification dataset kept as bytes, each sample of shape <paramref name="sampleShape"/> (images:
    /// [channels, height, width]); sample i is <c>values[i·n .. (i+1)·n]·scale</c>, n = the shape's size.</summary>
    public static Dataset FromBytes(byte[] values, Shape sampleShape, float scale, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleShape.Count, 1);
        if (values.Length != (long)labels.Length * sampleShape.Count)
        {
            throw new ArgumentException($"{values.Length} values are not {labels.Length} samples of {sampleShape.Count} features.");
        }

        return new Dataset(null, values, scale, sampleShape.WithBatchDimension(labels.Length), labels, classCount, TaskKind.Classification, null)
        {
            RawScale = scale,
        };
    }

    /// <summary>Classification from arrays: <paramref name="features"/> [count, features], labels in [0, classes)
    /// (classes default to the largest label + 1).</summary>
    public static Dataset FromArrays(float[,] features, int[] labels, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new Dataset(ToTensor(features), labels, classCount ?? (labels.Length == 0 ? 1 : labels.Max() + 1));
    }

    /// <summary>Regression from arrays: <paramref name="features"/> [count, features], <paramref name="targets"/> [count, outputs].</summary>
    public static Dataset FromArrays(float[,] features, float[,] targets) => Regression(ToTensor(features), ToTensor(targets));

    private static Tensor ToTensor(float[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = new Tensor(values.GetLength(0), values.GetLength(1));
        int i = 0;
        foreach (float v in values)
        {
            tensor[i++] = v;
        }

        return tensor;
    }

    /// <summary>A binary classification dataset: labels 0 or 1, one target column.</summary>
    public static Dataset Binary(Tensor features, int[] labels) => new(features, labels, 2, TaskKind.Binary, null);

    /// <summary>A regression dataset with targets [count, outputs].</summary>
    public static Dataset Regression(Tensor features, Tensor targets) => new(features, null, 0, TaskKind.Regression, targets);

    /// <summary>
    /// Token sequences for next-token prediction (<see cref="TaskKind.Text"/>): <paramref name="inputs"/> [count, steps]
    /// holds token ids in [0, vocabulary) as floats, <paramref name="targets"/> [count, steps] the id each step should
    /// predict, or −1 where the sequence has ended (those steps are left out of the loss).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ, or a value is not an id of the vocabulary.</exception>
    public static Dataset TokenSequences(Tensor inputs, Tensor targets, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 1);
        if (inputs.Rank != 2 || !inputs.Shape.Equals(targets.Shape))
        {
            throw new ArgumentException($"Token sequences need inputs and targets of the same shape [count, steps], got {inputs.Shape} and {targets.Shape}.");
        }

        ReadOnlySpan<float> ids = inputs.Span, next = targets.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] != MathF.Floor(ids[i]) || ids[i] < 0 || ids[i] >= vocabulary || next[i] != MathF.Floor(next[i]) || next[i] < -1 || next[i] >= vocabulary)
            {
                throw new ArgumentException($"Sample {i / inputs.RowLength}, step {i % inputs.RowLength}: input {ids[i]} or target {next[i]} is not a token id in [0, {vocabulary}) (−1 for no target).");
            }
        }

        return new(inputs, null, vocabulary, TaskKind.Text, targets);
    }

    /// <summary>[count, features...] as floats (for a dataset kept as bytes, expanded on first use).</summary>
    /// <remarks>Thread-safe: threads that ask at once all get the same tensor.</remarks>
    public Tensor Features => Volatile.Read(ref _features) ?? MakeOnce(ref _features, ExpandAll);

    /// <summary>The shape of <see cref="Features"/>, [count, features...], without expanding anything.</summary>
    public Shape FeatureShape => _featureShape;

    /// <summary>The shape of one sample ([784], or [1, 28, 28] for images read from IDX files).</summary>
    public Shape SampleShape => _featureShape.WithoutBatch();

    /// <summary>The name of each class, in label order, when known (the CSV's labels); null otherwise.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>What a raw input value was multiplied by to give a feature (1/255 for pixels read from IDX files; 1
    /// when unknown), kept in model files so that prediction on raw values does the same.</summary>
    public float RawScale { get; init; } = 1f;

    /// <summary>Feature values per sample.</summary>
    public int FeatureCount => _featureShape.Rank == 0 ? 1 : (_featureShape[0] == 0 ? 0 : _featureShape.Count / _featureShape[0]);

    /// <summary>Whether the features are kept as bytes and not (yet) expanded to <see cref="Features"/>.</summary>
    public bool IsCompact => _features is null;

    /// <summary>One class index per sample; null for regression.</summary>
    public int[]? Labels { get; }

    /// <summary>Number of classes (0 for regression; the vocabulary for text).</summary>
    public int ClassCount { get; }

    /// <summary>What the target is.</summary>
    public TaskKind Task { get; }

    /// <summary>Number of samples.</summary>
    public int Count => _featureShape[0];

    /// <summary>Values the network outputs per sample: classes, 1 for binary, target columns for regression, steps ×
    /// vocabulary for text.</summary>
    public int OutputCount => Task switch
    {
        TaskKind.Classification => ClassCount,
        TaskKind.Binary => 1,
        TaskKind.Text => _targets!.RowLength * ClassCount,
        _ => _targets!.RowLength,
    };

    /// <summary>Values per row of <see cref="Targets"/>: <see cref="OutputCount"/>, except for text (one id per step).</summary>
    public int TargetWidth => Task == TaskKind.Text ? _targets!.RowLength : OutputCount;

    /// <summary>[count, outputs]: one-hot rows, a 0/1 column, or regression values (made once, on first use).</summary>
    /// <remarks>Thread-safe: threads that ask at once all get the same tensor.</remarks>
    public Tensor Targets => Volatile.Read(ref _targets) ?? MakeOnce(ref _targets, MakeTargets);

    /// <summary>The class labels, or an error for a regression dataset.</summary>
    public int[] RequireLabels() => Labels ?? throw new InvalidOperationException("A regression dataset has no class labels.");

    /// <summary>SHA-256 (lowercase hex) of the samples as this dataset holds them: count and sample shape, the
    /// features (the bytes for data read as bytes, even once expanded; else float32 little-endian) and the labels or targets. A model file records
    /// the fingerprints of its training and test parts, so <c>nabla evaluate</c> can tell its own data from other data.</summary>
    public string Fingerprint()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> word = stackalloc byte[4];
        foreach (int d in _featureShape.ToArray())
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(word, d);
            hash.AppendData(word);
        }

        if (_bytes is not null)
        {
            hash.AppendData(_bytes);
        }
        else
        {
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_features!.Span));
        }

        if (Labels is not null)
        {
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Labels.AsSpan()));
        }
        else
        {
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Targets.Span));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

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
        int[]? labels = Labels is null ? null : Pick(Labels, indices);
        Tensor? targets = Task is TaskKind.Regression or TaskKind.Text ? Gather(_targets!, indices) : null;
        if (_features is null)
        {
            int width = FeatureCount;
            byte[] bytes = new byte[indices.Length * width];
            for (int i = 0; i < indices.Length; i++)
            {
                _bytes.AsSpan(indices[i] * width, width).CopyTo(bytes.AsSpan(i * width, width));
            }

            return new Dataset(null, bytes, _byteScale, _featureShape.WithBatch(indices.Length), labels, ClassCount, Task, targets) { ClassNames = ClassNames, RawScale = RawScale };
        }

        return new Dataset(Gather(_features, indices), labels, ClassCount, Task, targets) { ClassNames = ClassNames, RawScale = RawScale };
    }

    /// <summary>
    /// Writes the features of samples <paramref name="indices"/> (in that order) to consecutive rows of
    /// <paramref name="destination"/> — the batch a training step or an evaluation runs on. Compact data is expanded
    /// here, by all worker threads for large batches (each thread's rows then sit in its own cache for the first
    /// layer, which splits rows the same way).
    /// </summary>
    public void CopyFeatures(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int width = FeatureCount;
        if (destination.Length < indices.Length * width)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; {indices.Length} samples need {indices.Length * width}.");
        }

        if (_features is not null)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                _features.Row(indices[i]).CopyTo(destination.Slice(i * width, width));
            }

            return;
        }

        ExpandRows.Run(_bytes!, width, _byteScale, indices, destination);
    }

    /// <summary>Points <paramref name="batch"/> at samples order[start .. start + rows) without expanding them, when
    /// the data is compact; returns false for float data.</summary>
    internal bool TryGetByteRows(int[] order, int start, int rows, ByteRows batch)
    {
        if (_features is not null)
        {
            return false;
        }

        batch.Set(_bytes!, FeatureCount, _byteScale, order, start, rows);
        return true;
    }

    /// <summary>The targets of samples <paramref name="indices"/> (in that order) into consecutive rows of
    /// <paramref name="destination"/>.</summary>
    public void CopyTargets(ReadOnlySpan<int> indices, Span<float> destination)
    {
        Tensor targets = Targets;
        int width = targets.RowLength;
        for (int i = 0; i < indices.Length; i++)
        {
            targets.Row(indices[i]).CopyTo(destination.Slice(i * width, width));
        }
    }

    /// <summary>Makes a lazily created tensor once, under a lock: a dataset may be shared by threads (parallel tests, a
    /// grid search), and two tensors for one field would split the data — one thread changing a copy the others never
    /// see, a training run that read the first seeing the second.</summary>
    private Tensor MakeOnce(ref Tensor? field, Func<Tensor> make)
    {
        lock (_lazyLock)
        {
            if (field is null)
            {
                Volatile.Write(ref field, make());
            }

            return field;
        }
    }

    private Tensor ExpandAll()
    {
        var features = new Tensor(_featureShape);
        TensorMath.ExpandBytes(_bytes!, _byteScale, features.Span);
        return features;
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

    /// <summary>Expands rows of bytes on the worker threads, each taking a contiguous share of the rows.</summary>
    private sealed unsafe class ExpandRows : IParallelWork
    {
        // Below this many values one thread is quicker than waking a second.
        private const int MinValuesPerThread = 1 << 15;

        [ThreadStatic]
        private static ExpandRows? t_job;

        private byte* _source;
        private int* _indices;
        private float* _target;
        private int _rows, _width, _length;
        private float _scale;

        public static void Run(byte[] source, int width, float scale, ReadOnlySpan<int> indices, Span<float> destination)
        {
            int threads = (int)Math.Clamp((long)indices.Length * width / MinValuesPerThread, 1, ParallelWorkers.Shared.ThreadCount);
            if (threads == 1)
            {
                TensorMath.ExpandByteRows(source, width, indices, scale, destination);
                return;
            }

            ExpandRows job = t_job ??= new ExpandRows();
            fixed (byte* s = source)
            fixed (int* i = indices)
            fixed (float* t = destination)
            {
                job._source = s;
                job._indices = i;
                job._target = t;
                (job._rows, job._width, job._length, job._scale) = (indices.Length, width, source.Length, scale);
                ParallelWorkers.Shared.Run(job, threads);
                job._source = null;
                job._indices = null;
                job._target = null;
            }
        }

        public void Execute(int threadIndex, int threadCount)
        {
            int first = (int)((long)_rows * threadIndex / threadCount), last = (int)((long)_rows * (threadIndex + 1) / threadCount);
            TensorMath.ExpandByteRows(
                new ReadOnlySpan<byte>(_source, _length), _width, new ReadOnlySpan<int>(_indices + first, last - first), _scale,
                new Span<float>(_target + (nint)first * _width, (last - first) * _width));
        }
    }
}
