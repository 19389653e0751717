namespace Nabla.Threading;

/// <summary>Work that every thread of a <see cref="ParallelWorkers"/> run executes, each with its own index.</summary>
internal interface IParallelWork
{
    /// <summary>Runs this thread's share. <paramref name="threadIndex"/> is in [0, <paramref name="threadCount"/>).</summary>
    void Execute(int threadIndex, int threadCount);
}

/// <summary>
/// A small pool of persistent worker threads for the numeric kernels.
/// </summary>
/// <remarks>
/// <para>
/// <c>Parallel.For</c> costs several microseconds per call (task allocation, work stealing, thread-pool wake-up); a
/// 64×784×128 product takes about 150 µs in all, so that overhead would be a large share of it. Here the workers
/// are dedicated threads that spin for a short while after each job (most kernels arrive back to back during
/// training) and only then block, so a dispatch costs well under a microsecond when they are warm.
/// </para>
/// <para>
/// One job runs at a time; a second caller waits for the first to finish. The calling thread is worker 0 and does
/// its share too. A job's share may itself call <see cref="Run"/>: that inner job runs on the calling thread alone.
/// </para>
/// </remarks>
internal sealed class ParallelWorkers
{
    // How long an idle worker spins before it blocks: long enough to bridge the gaps between the kernels of one
    // training step, short enough that an idle process does not burn a core.
    private const int SpinIterationsBeforeBlocking = 20_000;

    // Whether this thread is running a job's share: a kernel called from inside a job (data-parallel training runs
    // whole chunks on each thread) then runs on its own thread alone instead of queueing behind the job it is in.
    [ThreadStatic]
    private static bool t_insideJob;

    private static readonly Lazy<ParallelWorkers> s_shared = new(() => new ParallelWorkers(DefaultThreadCount()));

    private readonly object _jobLock = new();
    private readonly object _wakeLock = new();
    private readonly int _threadCount;
    private IParallelWork? _work;

    // The job's number and thread count in one word, (generation << 32) | threads, written last when a job starts: a
    // worker reads both at once. With two fields a worker left out of one job (its index ≥ that job's threads) could
    // pair the job's generation with the next job's thread count — set before that job's generation — and run its
    // share of the next job twice, the second time while the caller, its count of shares reached early, had gone on.
    private long _job;
    private int _generation;
    private int _remaining;
    private Exception? _failure;

    internal ParallelWorkers(int threadCount)
    {
        _threadCount = Math.Max(1, threadCount);
        for (int i = 1; i < _threadCount; i++)
        {
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"Nabla worker {i}" };
            thread.Start(i);
        }
    }

    /// <summary>The process-wide pool, sized by <c>NABLA_THREADS</c> or else the number of processors.</summary>
    public static ParallelWorkers Shared => s_shared.Value;

    /// <summary>The most threads a job can use (the calling thread included).</summary>
    public int ThreadCount => _threadCount;

    /// <summary>Runs <paramref name="work"/> on <paramref name="threadCount"/> threads and returns when all are done.</summary>
    public void Run(IParallelWork work, int threadCount)
    {
        threadCount = Math.Clamp(threadCount, 1, _threadCount);
        if (threadCount == 1 || t_insideJob)
        {
            work.Execute(0, 1);
            return;
        }

        lock (_jobLock)
        {
            _work = work;
            _failure = null;
            Volatile.Write(ref _remaining, threadCount - 1);
            _generation++;
            lock (_wakeLock)
            {
                Volatile.Write(ref _job, ((long)_generation << 32) | (uint)threadCount);
                Monitor.PulseAll(_wakeLock);
            }

            try
            {
                t_insideJob = true;
                work.Execute(0, threadCount);
            }
            finally
            {
                t_insideJob = false;
                var spinner = new SpinWait();
                while (Volatile.Read(ref _remaining) != 0)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }

                _work = null;
            }

            if (_failure is not null)
            {
                throw new AggregateException("A worker thread failed.", _failure);
            }
        }
    }

    private void WorkerLoop(object? state)
    {
        int index = (int)state!;
        int seen = 0;
        t_insideJob = true;
        while (true)
        {
            int spins = 0;
            long job = Volatile.Read(ref _job);
            while (Generation(job) == seen && spins < SpinIterationsBeforeBlocking)
            {
                Thread.SpinWait(8);
                spins++;
                job = Volatile.Read(ref _job);
            }

            if (Generation(job) == seen)
            {
                lock (_wakeLock)
                {
                    while (Generation(job = Volatile.Read(ref _job)) == seen)
                    {
                        Monitor.Wait(_wakeLock);
                    }
                }
            }

            // A job this worker is part of cannot finish without it, so _work is still that job's, and the next job
            // this worker sees is the one after it.
            seen = Generation(job);
            int threads = (int)(uint)job;
            if (index < threads)
            {
                try
                {
                    _work!.Execute(index, threads);
                }
                catch (Exception ex)
                {
                    _failure = ex;
                }

                Interlocked.Decrement(ref _remaining);
            }
        }
    }

    private static int Generation(long job) => (int)(job >> 32);

    private static int DefaultThreadCount()
    {
        string? configured = Environment.GetEnvironmentVariable("NABLA_THREADS");
        if (int.TryParse(configured, out int threads) && threads > 0)
        {
            return threads;
        }

        return Environment.ProcessorCount;
    }
}

/// <summary>A reusable spinning barrier for the threads of one <see cref="ParallelWorkers"/> job.</summary>
internal sealed class SpinBarrier
{
    private int _arrived;
    private volatile int _phase;

    /// <summary>Blocks until <paramref name="participants"/> threads have called it in this phase.</summary>
    public void SignalAndWait(int participants)
    {
        if (participants <= 1)
        {
            return;
        }

        int phase = _phase;
        if (Interlocked.Increment(ref _arrived) == participants)
        {
            _arrived = 0;
            _phase = phase + 1;
            return;
        }

        var spinner = new SpinWait();
        while (_phase == phase)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
