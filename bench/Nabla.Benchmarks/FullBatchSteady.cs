using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>full-batch [DATA]</c>: the steady-state time of one iteration of the tutorials' network (784-10-10, ReLU,
/// softmax, uniform init, full-batch gradient descent α 0.1) on data/mnist-10k: 5 rounds of 100 iterations each on a
/// fresh model, after one warm-up round (JIT); prints the best and the median ms per iteration as one JSON line.
/// Run it with <c>DOTNET_TieredCompilation=0</c>, as the CLI runs (this project keeps the default for BenchmarkDotNet).
/// </summary>
internal static class FullBatchSteady
{
    public static void Run(string folder)
    {
        Dataset train = Mnist.Load(folder, "train");
        const int Iterations = 100;
        var perIteration = new List<double>();
        for (int round = 0; round <= 5; round++)
        {
            var model = new Sequential(784).Add(new Dense(10, Initializer.Uniform)).Add(new ReLU()).Add(new Dense(10, Initializer.Uniform)).Add(new Softmax());
            model.Initialize(0);
            var watch = Stopwatch.StartNew();
            Trainer.Fit(model, new CategoricalCrossEntropy(), new GradientDescent(model.Parameters, 0.1f), train,
                new TrainingOptions { Epochs = Iterations, BatchSize = 0, Seed = 0 });
            if (round > 0)
            {
                perIteration.Add(watch.Elapsed.TotalMilliseconds / Iterations);
            }
        }

        perIteration.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"run\":\"full-batch 784-10-10\",\"samples\":{train.Count},\"ms_per_iteration_best\":{perIteration[0]:F3},\"ms_per_iteration_median\":{perIteration[perIteration.Count / 2]:F3},\"seconds_per_500_best\":{perIteration[0] * 0.5:F2}}}"));
    }
}
