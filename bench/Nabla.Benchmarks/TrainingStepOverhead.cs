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
/// <c>train-step</c>: the time of one epoch of 784-512-256-10 (batch 128, AdamW) on 12,800 random samples with and
/// without dropout and batch norm, interleaved round by round so that machine noise hits all variants alike; prints the
/// minimum and median per variant as JSON lines, with the overhead relative to the plain network.
/// </summary>
internal static class TrainingStepOverhead
{
    public static void Run()
    {
        var random = new Random(1);
        var features = new Tensor(12_800, 784);
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = random.NextSingle();
        }

        var data = new Dataset(features, Enumerable.Range(0, 12_800).Select(i => i % 10).ToArray(), 10);
        (string Name, bool Dropout, bool BatchNorm)[] variants = [("plain", false, false), ("dropout", true, false), ("batch-norm", false, true), ("both", true, true)];
        var times = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (int round = 0; round < 12; round++)
        {
            foreach (var (name, dropout, batchNorm) in variants)
            {
                Sequential model = Build(dropout, batchNorm);
                var watch = Stopwatch.StartNew();
                Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters, 1e-3f, weightDecay: 0.01f), data,
                    new TrainingOptions { Epochs = 1, BatchSize = 128, Seed = round });
                if (round > 0)
                {
                    times[name].Add(watch.Elapsed.TotalSeconds);
                }
            }
        }

        // The minimum is the figure least disturbed by other load on a shared machine; the median is printed too.
        double plain = times["plain"].Min(), plainMedian = Median(times["plain"]);
        foreach (var (name, _, _) in variants)
        {
            double best = times[name].Min(), median = Median(times[name]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"variant\":\"{name}\",\"epoch_seconds_min\":{best:F4},\"overhead_min\":{best / plain - 1:F3},\"epoch_seconds_median\":{median:F4},\"overhead_median\":{median / plainMedian - 1:F3}}}"));
        }
    }

    private static Sequential Build(bool dropout, bool batchNorm)
    {
        var model = new Sequential(784);
        foreach (int width in new[] { 512, 256 })
        {
            model.Add(new Dense(width));
            if (batchNorm)
            {
                model.Add(new BatchNorm());
            }

            model.Add(new ReLU());
            if (dropout)
            {
                model.Add(new Dropout(0.2f));
            }
        }

        model.Add(new Dense(10));
        model.Initialize(0);
        return model;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
