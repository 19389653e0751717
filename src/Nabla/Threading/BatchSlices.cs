namespace Nabla.Threading;

/// <summary>
/// A batch cut into a fixed number of slices of consecutive samples, for layers that split their work over threads by
/// sample: the slices depend only on the batch size (never on the thread count), each slice is computed by one thread
/// (whichever takes it) in sample order, and per-slice partial sums (a weight gradient) are added in slice order — so the result is the
/// same on any number of threads.
/// </summary>
internal static class BatchSlices
{
    /// <summary>Most slices a batch is cut into (more threads than this share nothing more).</summary>
    public const int MaxSlices = 16;

    /// <summary>The number of slices for a batch of <paramref name="rows"/> samples whose per-slice partial result holds
    /// <paramref name="partialSize"/> values: at most <see cref="MaxSlices"/>, and fewer for large partials (the
    /// partials together stay within 4 M values).</summary>
    public static int Count(int rows, int partialSize = 0) =>
        Math.Max(1, Math.Min(Math.Min(rows, MaxSlices), partialSize <= 0 ? MaxSlices : (1 << 22) / partialSize));

    /// <summary>Slice <paramref name="slice"/> of <paramref name="slices"/> over <paramref name="rows"/> samples.</summary>
    public static (int Start, int End) Rows(int rows, int slices, int slice) =>
        ((int)((long)rows * slice / slices), (int)((long)rows * (slice + 1) / slices));
}
