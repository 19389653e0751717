using Nabla.Parameters;
using Nabla.Threading;

namespace Nabla.Optimizers;

/// <summary>
/// The parameters of an optimizer cut into contiguous segments, dealt to the worker threads once, so that an
/// element-wise update over every value runs on all cores. Every value is always updated by the same thread with the
/// same arithmetic, so the result does not depend on the thread count.
/// </summary>
internal sealed class ParameterSegments : IParallelWork
{
    // Below this many values in all, waking a second thread costs more than it saves.
    private const int MinValuesPerThread = 1 << 15;

    private readonly (int Parameter, int Start, int Length)[][] _byThread;
    private Action<int, int, int>? _update;

    public ParameterSegments(IReadOnlyList<Parameter> parameters)
    {
        long total = parameters.Sum(p => (long)p.Value.Length);
        int threads = (int)Math.Clamp(total / MinValuesPerThread, 1, ParallelWorkers.Shared.ThreadCount);
        var lists = Enumerable.Range(0, threads).Select(_ => new List<(int, int, int)>()).ToArray();

        // Thread t takes the values [t·total/T, (t+1)·total/T) of the parameters laid end to end.
        long offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            int length = parameters[i].Value.Length;
            for (int t = 0; t < threads; t++)
            {
                long begin = Math.Max(offset, total * t / threads), end = Math.Min(offset + length, total * (t + 1) / threads);
                if (end > begin)
                {
                    lists[t].Add((i, (int)(begin - offset), (int)(end - begin)));
                }
            }

            offset += length;
        }

        _byThread = lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Calls <paramref name="update"/>(parameter, start, length) for every segment, on all threads.</summary>
    public void Run(Action<int, int, int> update)
    {
        _update = update;
        ParallelWorkers.Shared.Run(this, _byThread.Length);
        _update = null;
    }

    /// <inheritdoc/>
    public void Execute(int threadIndex, int threadCount)
    {
        for (int t = threadIndex; t < _byThread.Length; t += threadCount)
        {
            foreach (var (parameter, start, length) in _byThread[t])
            {
                _update!(parameter, start, length);
            }
        }
    }
}
