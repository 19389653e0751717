using Nabla.Threading;

namespace Nabla.Tests.Threading;

public sealed class ParallelWorkersTests
{
    [Fact]
    public void Each_share_of_a_job_runs_exactly_once_and_is_done_when_Run_returns()
    {
        // More threads than jobs use: a worker left out of one job must not run a share of the next one twice (it
        // once could, when it read the next job's thread count before noticing the job it was left out of), which
        // also let Run return while another share was still running. The window is a few instructions wide, so this
        // is a stress test: on two cores the old code failed it after 20–140 s (3,500–10,500 jobs); two seconds catch
        // it only now and then, NABLA_STRESS_SECONDS runs it longer.
        var pool = new ParallelWorkers(4);
        var job = new CountingJob(4);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int i = 0;
        for (; clock.Elapsed < TimeSpan.FromSeconds(Environment.GetEnvironmentVariable("NABLA_STRESS_SECONDS") is { } s ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 2); i++)
        {
            int threads = i % 3 == 0 ? 4 : i % 3 == 1 ? 2 : 3;
            job.Begin(threads);
            pool.Run(job, threads);
            job.Check(i);
        }

        Assert.True(i > 0);
    }

    private sealed class CountingJob(int maxThreads) : IParallelWork
    {
        private readonly int[] _runs = new int[maxThreads];
        private int _running, _threads;
        private volatile string? _error;

        public void Begin(int threads)
        {
            Array.Clear(_runs);
            _threads = threads;
        }

        public void Execute(int threadIndex, int threadCount)
        {
            Interlocked.Increment(ref _running);
            if (threadCount != _threads)
            {
                _error ??= $"share {threadIndex} ran with {threadCount} threads in a job of {_threads}";
            }

            Interlocked.Increment(ref _runs[threadIndex]);
            Thread.SpinWait(50);
            Interlocked.Decrement(ref _running);
        }

        public void Check(int job)
        {
            Assert.Null(_error);
            Assert.True(Volatile.Read(ref _running) == 0, $"job {job}: Run returned while a share was still running");
            for (int i = 0; i < maxThreads; i++)
            {
                Assert.True(_runs[i] == (i < _threads ? 1 : 0), $"job {job} on {_threads} threads: share {i} ran {_runs[i]} times");
            }
        }
    }
}
