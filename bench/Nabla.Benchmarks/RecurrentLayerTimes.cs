using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>recurrent</c>: milliseconds per batch of the recurrent layers alone (forward, backward) in the shapes of the three
/// sequence tasks — image rows [64, 28, 28] through LSTM-128 and GRU-128, a character model's [64, 23, 32] through
/// GRU-128 — and a whole training step of the character model (embedding, GRU, per-step dense, sparse cross-entropy,
/// Adam). One JSON line each: the minimum over the rounds (the least disturbed by other load) and the median, and the
/// GFLOP/s of the layer's arithmetic (2·batch·time·(features + units)·gates·units per pass; backward does twice that).
/// </summary>
internal static class RecurrentLayerTimes
{
    private static readonly float GradientScale = float.Parse(Environment.GetEnvironmentVariable("GRADIENT_SCALE") ?? "0.01", CultureInfo.InvariantCulture);

    public static void Run()
    {
        (string Name, Func<RecurrentLayer> Create, int Batch, int Steps, int Features)[] configs =
        [
            ("lstm-128 rows", () => new Lstm(128), 64, 28, 28),
            ("gru-128 rows", () => new Gru(128), 64, 28, 28),
            ("simple-rnn-128 rows", () => new SimpleRnn(128), 64, 28, 28),
            ("gru-128 text", () => new Gru(128, returnSequences: true), 64, 23, 32),
        ];
        foreach (var (name, create, batch, steps, features) in configs)
        {
            RecurrentLayer layer = create();
            layer.Build(new Shape(steps, features));
            layer.Initialize(new Random(0), Nabla.Initializers.Initializer.Default);
            var random = new Random(1);
            var x = new Tensor(batch, steps, features);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = random.NextSingle() * 2 - 1;
            }

            var dy = new Tensor(new Shape([batch, .. layer.OutputShape.ToArray()]));
            for (int i = 0; i < dy.Length; i++)
            {
                dy[i] = (random.NextSingle() - 0.5f) * GradientScale;
            }

            var forward = new List<double>();
            var backward = new List<double>();
            for (int round = 0; round < 300; round++)
            {
                long start = Stopwatch.GetTimestamp();
                layer.Forward(x, ForwardContext.ForTraining(round));
                long middle = Stopwatch.GetTimestamp();
                layer.Backward(dy, needInputGradient: true);
                long end = Stopwatch.GetTimestamp();
                if (round >= 50)
                {
                    forward.Add(Stopwatch.GetElapsedTime(start, middle).TotalMilliseconds);
                    backward.Add(Stopwatch.GetElapsedTime(middle, end).TotalMilliseconds);
                }
            }

            int gates = layer.RecurrentKernel.Shape[1] / layer.Units;
            double flop = 2.0 * batch * steps * (features + layer.Units) * gates * layer.Units;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"layer\":\"{name}\",\"batch\":{batch},\"steps\":{steps},\"forward_ms_min\":{forward.Min():F3},\"forward_ms_median\":{Median(forward):F3},\"backward_ms_min\":{backward.Min():F3},\"backward_ms_median\":{Median(backward):F3},\"gflops_min\":{3 * flop / (forward.Min() + backward.Min()) / 1e6:F1}}}"));
        }

        StepProduct(128, 4);
        StepProduct(128, 3);
        TextStep();
    }

    /// <summary>The recurrent product of 28 steps, h·U for 64 rows ([64, 128] × [128, gates·128], added to the gates):
    /// Gemm.Multiply at every step (which packs U each time, on all its threads), against U packed once and multiplied
    /// on the calling thread (the layer's way; it runs a share of the rows on each thread).</summary>
    private static void StepProduct(int units, int gates)
    {
        int rows = 64, steps = 28, columns = gates * units;
        var random = new Random(3);
        float[] u = Enumerable.Range(0, units * columns).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] h = Enumerable.Range(0, rows * units).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] c = new float[rows * columns];
        var packed = new PackedMatrix();
        var gemm = new List<double>();
        var resident = new List<double>();
        for (int round = 0; round < 200; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int t = 0; t < steps; t++)
            {
                Gemm.Multiply(h, false, u, false, c, rows, units, columns, 1f, 1f);
            }

            long middle = Stopwatch.GetTimestamp();
            packed.Pack(u, false, units, columns);
            for (int t = 0; t < steps; t++)
            {
                packed.Multiply(h, units, rows, c, columns, 1f);
            }

            long end = Stopwatch.GetTimestamp();
            if (round >= 20)
            {
                gemm.Add(Stopwatch.GetElapsedTime(start, middle).TotalMilliseconds);
                resident.Add(Stopwatch.GetElapsedTime(middle, end).TotalMilliseconds);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"step_product\":\"28 × [64, {units}]·[{units}, {columns}]\",\"gemm_per_step_ms_min\":{gemm.Min():F3},\"gemm_threads\":{Nabla.Threading.ParallelWorkers.Shared.ThreadCount},\"packed_once_one_thread_ms_min\":{resident.Min():F3},\"gemm_median\":{Median(gemm):F3},\"packed_median\":{Median(resident):F3}}}"));
    }

    /// <summary>One epoch of 100 batches of a character model, timed per batch.</summary>
    private static void TextStep()
    {
        const int rows = 6400, steps = 23, vocabulary = 27;
        var random = new Random(2);
        var inputs = new Tensor(rows, steps);
        var targets = new Tensor(rows, steps);
        for (int i = 0; i < rows; i++)
        {
            int length = random.Next(3, steps);
            for (int t = 0; t < steps; t++)
            {
                inputs[i, t] = t == 0 || t > length ? 0 : random.Next(1, vocabulary);
                targets[i, t] = t < length ? random.Next(1, vocabulary) : t == length ? 0 : -1;
            }
        }

        Dataset data = Dataset.TokenSequences(inputs, targets, vocabulary);
        var seconds = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            var model = new Sequential(steps) { new Embedding(vocabulary, 32), new Gru(128, returnSequences: true), new Dense(vocabulary) };
            model.Initialize(round);
            var watch = Stopwatch.StartNew();
            Trainer.Fit(model, new SparseSoftmaxCrossEntropy(), new Adam(model.Parameters), data, new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = round });
            if (round > 0)
            {
                seconds.Add(watch.Elapsed.TotalSeconds);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"step\":\"text: embedding(32) gru(128, return_sequences) dense(27), sparse cross-entropy, adam\",\"batch\":64,\"steps\":{steps},\"ms_per_batch_min\":{seconds.Min() * 1000 / 100:F3},\"ms_per_batch_median\":{Median(seconds) * 1000 / 100:F3}}}"));
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
