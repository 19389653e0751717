using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Benchmarks;

internal static class AllocProbe
{
    public static void Run()
    {
        var (all, _) = Mnist.LoadFolder("data/mnist-10k");
        Dataset data = all.Take(1024);
        foreach (var (arch, aug) in new[] {
            ("conv2d(8, 3) relu maxpool(2) flatten", false),
            ("conv2d(8, 3) flatten", false),
            ("conv2d(8, 3, padding=same) batch-norm relu flatten", false),
            ("maxpool(2) flatten", false),
            ("conv2d(8, 3) relu maxpool(2) flatten", true),
            ("flatten dropout(0.3)", false) })
        {
            var model = new Sequential(1, 28, 28);
            foreach (var call in ArchitectureParser.Parse(arch)) model.Add(call.Create());
            model.Add(new Dense(10));
            model.Initialize(0);
            var probe = new Probe();
            new TrainingSession(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters),
                new TrainingOptions { Epochs = 6, BatchSize = 32, Augmentation = aug ? ImageAugmentation.Parse("shift=2") : null, Callbacks = [probe] }).Run(data);
            Console.WriteLine($"{arch} aug={aug}: {string.Join(" ", probe.PerEpoch)}");
        }
    }

    private sealed class Probe : ITrainingCallback
    {
        private long _start;
        public List<long> PerEpoch { get; } = [];
        private static long Total() { return GC.GetTotalAllocatedBytes(true); }
        public void OnEpochBegin(TrainingSession session, int epoch) => _start = Total();
        public void OnEpochEnd(TrainingSession session, EpochReport report) => PerEpoch.Add(Total() - _start);
    }
}
