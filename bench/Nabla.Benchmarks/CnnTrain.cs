using System.Diagnostics;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Benchmarks;

internal static class CnnTrain
{
    public static void Run(string arch, string optimizer)
    {
        var (train, _) = Mnist.LoadFolder("data/mnist-10k");
        var model = new Sequential(1, 28, 28);
        foreach (var call in ArchitectureParser.Parse(arch))
        {
            model.Add(call.Create());
        }

        model.Add(new Flatten()).Add(new Dense(10));
        model.Initialize(0);
        IOptimizer opt = optimizer == "sgd" ? new GradientDescent(model.Parameters, 0.01f) : new Adam(model.Parameters);
        var probe = new Probe();
        var watch = Stopwatch.StartNew();
        Trainer.Fit(model, new SoftmaxCrossEntropy(), opt, train, new TrainingOptions { Epochs = 2, BatchSize = 128, Callbacks = [probe] });
        Console.WriteLine($"total {watch.Elapsed.TotalSeconds:F2} s; batch ms median {probe.Median():F2}, min {probe.Times.Min():F2}, max {probe.Times.Max():F2}");
    }

    private sealed class Probe : ITrainingCallback
    {
        private long _last = Stopwatch.GetTimestamp();
        public List<double> Times { get; } = [];
        public double Median() => Times.Order().ElementAt(Times.Count / 2);
        public void OnBatchEnd(TrainingSession session, int epoch, int batch, double loss)
        {
            Times.Add(Stopwatch.GetElapsedTime(_last).TotalMilliseconds);
            _last = Stopwatch.GetTimestamp();
        }
    }
}
