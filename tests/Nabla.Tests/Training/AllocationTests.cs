using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Threading;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>The hot path allocates nothing per batch in steady state: buffers belong to layers and are reused.
/// Counted on the training thread (other test classes run in parallel; the GEMM workers allocate nothing).</summary>
[Collection(nameof(AllocationTests))]
public sealed class AllocationTests
{
    [Fact]
    public void Training_epochs_allocate_a_bounded_amount_independent_of_the_number_of_batches()
    {
        Dataset data = TestData.Mnist10k.Train.Take(2048);
        var model = new Sequential(784).Add(new Dense(64)).Add(new BatchNorm()).Add(new ReLU()).Add(new Dropout(0.2f)).Add(new Dense(10));
        model.Initialize(0);

        // Epochs 1–3 warm up (buffers, JIT tiers); the last epoch runs 64 batches.
        var probe = new AllocationProbe();
        new TrainingSession(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters),
            new TrainingOptions { Epochs = 5, BatchSize = 32, Callbacks = [probe] }).Run(data);

        // Per epoch there is a shuffling generator, a report and a history entry (about 1 KB); a single allocation in
        // the batch loop would add 64 times its size.
        Assert.True(probe.AllocatedDuringLastEpoch < 2048, $"the last epoch allocated {probe.AllocatedDuringLastEpoch} bytes");
    }

    [Fact]
    public void Convolutional_training_with_augmentation_allocates_nothing_per_batch()
    {
        // fused conv blocks, an unfused conv with batch norm on images, dropout, augmentation: the samples are split over
        // the worker threads, whose allocations count too
        Dataset data = TestData.Mnist10k.Train.Take(1024);
        var model = new Sequential(1, 28, 28);
        foreach (var call in ArchitectureParser.Parse("conv2d(8, 3) relu maxpool(2) conv2d(8, 3, padding=same) batch-norm relu maxpool(2) flatten dropout(0.3) dense(10)"))
        {
            model.Add(call.Create());
        }

        model.Initialize(0);
        var probe = new AllocationProbe { AllThreads = true };
        new TrainingSession(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters),
            new TrainingOptions { Epochs = 4, BatchSize = 32, Augmentation = ImageAugmentation.Parse("shift=2,rotate=10,scale=0.1"), Callbacks = [probe] }).Run(data);

        // the last epoch runs 32 batches: one allocation in the batch loop would add 32 times its size
        Assert.True(probe.AllocatedDuringLastEpoch < 2048, $"the last epoch allocated {probe.AllocatedDuringLastEpoch} bytes");
    }

    [Fact]
    public void Full_batch_epochs_on_model_and_replica_allocate_nothing_per_chunk()
    {
        // all 10,000 compact rows: twenty chunks a step, ten on each thread; the allocations of the training thread
        // and of the worker threads (where the replica runs) are counted
        Dataset data = TestData.Mnist10k.Train;
        var model = new Sequential(784).Add(new Dense(10)).Add(new ReLU()).Add(new Dense(32)).Add(new Tanh()).Add(new Dense(10)).Add(new Softmax());
        model.Initialize(0);
        var probe = new AllocationProbe { AllThreads = true };
        new TrainingSession(model, new CategoricalCrossEntropy(), new GradientDescent(model.Parameters, 0.1f),
            new TrainingOptions { Epochs = 6, BatchSize = 0, Callbacks = [probe] }).Run(data);

        // the epoch's report and history entry (about 300 bytes); one 24-byte object per chunk would add 480
        Assert.True(probe.AllocatedDuringLastEpoch < 640, $"the last epoch allocated {probe.AllocatedDuringLastEpoch} bytes");
    }

    [Fact]
    public void Recurrent_training_epochs_allocate_nothing_per_batch_or_step()
    {
        // image rows as 28 steps through an LSTM and a GRU (the steps run on both threads): 16 batches of 64 in the last
        // epoch, 28 steps each, forward and backward; every thread's allocations are counted
        Dataset data = TestData.Mnist10k.Train.Take(1024);
        var model = new Sequential(1, 28, 28) { new Reshape(28, 28), new Lstm(32, returnSequences: true), new Gru(16), new Dense(10) };
        model.Initialize(0);
        var probe = new AllocationProbe { AllThreads = true };
        new TrainingSession(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters),
            new TrainingOptions { Epochs = 4, BatchSize = 64, Callbacks = [probe] }).Run(data);

        // the epoch's generator, report and history entry (about 1 KB); one 24-byte object per step would add 21,504
        Assert.True(probe.AllocatedDuringLastEpoch < 2048, $"the last epoch allocated {probe.AllocatedDuringLastEpoch} bytes");
    }

    [Fact]
    public void Language_model_training_epochs_allocate_nothing_per_batch()
    {
        // a character model as --task text builds it: ids [12 steps] → embedding → GRU on every step → dense on every step,
        // sparse cross-entropy with ended positions (−1) left out; 16 batches of 32 in the last epoch
        var random = new Random(3);
        int count = 512, steps = 12, vocabulary = 20;
        var inputs = new Tensor(count, steps);
        var targets = new Tensor(count, steps);
        for (int i = 0; i < count; i++)
        {
            int length = 3 + random.Next(steps - 3);
            for (int t = 0; t < steps; t++)
            {
                inputs[i, t] = t == 0 || t > length ? 0 : 1 + random.Next(vocabulary - 1);
                targets[i, t] = t < length ? 1 + random.Next(vocabulary - 1) : t == length ? 0 : -1;
            }
        }

        Dataset data = Dataset.TokenSequences(inputs, targets, vocabulary);
        var model = new Sequential(steps) { new Embedding(vocabulary, 8), new Gru(48, returnSequences: true), new Dense(vocabulary) };
        model.Initialize(0);
        var probe = new AllocationProbe { AllThreads = true };
        new TrainingSession(model, new SparseSoftmaxCrossEntropy(), new Adam(model.Parameters),
            new TrainingOptions { Epochs = 4, BatchSize = 32, Callbacks = [probe] }).Run(data);

        Assert.True(probe.AllocatedDuringLastEpoch < 2048, $"the last epoch allocated {probe.AllocatedDuringLastEpoch} bytes");
    }

    private sealed class AllocationProbe : ITrainingCallback
    {
        private long _start;

        public bool AllThreads { get; init; }

        private readonly PerThreadAllocations _perThread = new();

        private long Allocated => AllThreads ? _perThread.Total() : GC.GetAllocatedBytesForCurrentThread();

        public long AllocatedDuringLastEpoch { get; private set; }

        public void OnEpochBegin(TrainingSession session, int epoch)
        {
            _start = Allocated;
        }

        public void OnEpochEnd(TrainingSession session, EpochReport report)
        {
            AllocatedDuringLastEpoch = Allocated - _start;
        }
    }
}

/// <summary>Each worker thread's own allocation count, read on that thread (nothing else's allocations count).</summary>
internal sealed class PerThreadAllocations : IParallelWork
{
    private readonly long[] _bytes = new long[ParallelWorkers.Shared.ThreadCount];

    public long Total()
    {
        ParallelWorkers.Shared.Run(this, _bytes.Length);
        long total = 0;
        for (int i = 0; i < _bytes.Length; i++)
        {
            total += _bytes[i];
        }

        return total;
    }

    public void Execute(int threadIndex, int threadCount) => _bytes[threadIndex] = GC.GetAllocatedBytesForCurrentThread();
}

/// <summary>Runs the allocation tests alone, so that no other test's kernels share the worker threads meanwhile.</summary>
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationTestsCollection
{
}
