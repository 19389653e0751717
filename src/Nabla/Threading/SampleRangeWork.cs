namespace Nabla.Threading;

/// <summary>
/// Work on a batch whose samples are independent (pooling, an element-wise layer): the samples are cut into
/// <see cref="BatchSlices"/> and each thread processes whole slices, taking the next one not yet taken (so a thread the
/// system holds back does not hold up the others). Since no value depends on which thread
/// computed it, the result is the same on any number of threads. A subclass is made once per layer and reused, so a
/// pass allocates nothing.
/// </summary>
internal abstract class SampleRangeWork : IParallelWork
{
    private int _rows, _slices, _nextSlice;

    /// <summary>Processes samples [0, <paramref name="rows"/>) on the worker threads (on this thread alone when called
    /// from inside another job, or when there is one slice).</summary>
    protected void RunSamples(int rows)
    {
        _rows = rows;
        _slices = BatchSlices.Count(rows);
        _nextSlice = 0;
        ParallelWorkers.Shared.Run(this, _slices);
    }

    /// <inheritdoc/>
    public void Execute(int threadIndex, int threadCount)
    {
        for (int slice = Interlocked.Increment(ref _nextSlice) - 1; slice < _slices; slice = Interlocked.Increment(ref _nextSlice) - 1)
        {
            var (start, end) = BatchSlices.Rows(_rows, _slices, slice);
            Process(start, end);
        }
    }

    /// <summary>Processes samples [<paramref name="start"/>, <paramref name="end"/>).</summary>
    protected abstract void Process(int start, int end);
}
