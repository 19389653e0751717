using System.Diagnostics;
using System.Globalization;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>gemm</c>: times <see cref="Gemm.Multiply(ReadOnlySpan{float}, bool, ReadOnlySpan{float}, bool, Span{float}, int, int, int, float, float)"/>
/// on each shape and prints one JSON object per line. Each figure is the median of 7 timed rounds, each round
/// long enough (≥ 40 ms) that the clock's resolution does not matter, after a warm-up.
/// </summary>
internal static class GemmThroughput
{
    public static void Run(bool trainingShapes)
    {
        Console.Error.WriteLine($"# kernel: {Gemm.KernelName}, threads: {ParallelWorkers.Shared.ThreadCount}");
        foreach (var (m, k, n, ta, tb) in trainingShapes ? GemmShapes.Training : GemmShapes.All)
        {
            var random = new Random(42);
            float[] a = RandomArray(random, m * k);
            float[] b = RandomArray(random, k * n);
            float[] c = new float[m * n];
            void Once() => Gemm.Multiply(a, ta, b, tb, c, m, k, n);

            // Warm up (JIT tiers, caches, worker threads) and size a round to about 40 ms.
            var watch = Stopwatch.StartNew();
            int calls = 0;
            while (watch.Elapsed.TotalMilliseconds < 200)
            {
                Once();
                calls++;
            }

            int perRound = Math.Max(1, (int)(calls * 40 / watch.Elapsed.TotalMilliseconds));
            var seconds = new List<double>();
            for (int round = 0; round < 7; round++)
            {
                watch.Restart();
                for (int i = 0; i < perRound; i++)
                {
                    Once();
                }

                seconds.Add(watch.Elapsed.TotalSeconds / perRound);
            }

            seconds.Sort();
            double median = seconds[seconds.Count / 2];
            double gflops = 2.0 * m * k * n / median / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"m\":{m},\"k\":{k},\"n\":{n},\"transA\":{(ta ? "true" : "false")},\"transB\":{(tb ? "true" : "false")},\"threads\":{ParallelWorkers.Shared.ThreadCount},\"gflops\":{gflops:F1},\"microseconds\":{median * 1e6:F1}}}"));
        }
    }

    private static float[] RandomArray(Random random, int length)
    {
        var data = new float[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = random.NextSingle() * 2 - 1;
        }

        return data;
    }
}
