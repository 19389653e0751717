using Nabla.Data;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Training;

public sealed class TrainingTests
{
    [Fact]
    public void Xor_2_10_1_sigmoid_with_binary_cross_entropy_learns_all_four_cases()
    {
        // The tutorials' XOR example: one sigmoid output trained with binary cross-entropy (on its logit).
        var x = new Tensor(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, new Shape(4, 2));
        var data = new Dataset(x, [0, 1, 1, 0], 2);
        float[] targets = [0, 1, 1, 0];
        var model = new Sequential(2).Add(new Dense(10)).Add(new Sigmoid()).Add(new Dense(1));
        model.Initialize(seed: 3);
        var optimizer = new Adam(model.Parameters, 0.05f);
        var loss = new BinaryCrossEntropy();
        var gradient = new float[4];
        for (int step = 0; step < 1000; step++)
        {
            model.ZeroGradients();
            Tensor output = model.Forward(data.Features, training: true);
            loss.Compute(output.Span, targets, 1, gradient);
            model.Backward(new Tensor(gradient, new Shape(4, 1)));
            optimizer.Step();
        }

        model.OutputTransform = OutputTransform.Sigmoid;
        Tensor p = model.PredictProbabilities(data.Features);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(Math.Abs(p[i] - targets[i]) < 0.1, $"XOR case {i}: p = {p[i]}");
        }
    }

    [Fact]
    public void Overfits_64_digits_to_100_percent()
    {
        Dataset data = TestData.Mnist10k.Train.Take(64);
        var model = new Sequential(784).Add(new Dense(64)).Add(new ReLU()).Add(new Dense(10));
        model.Initialize(seed: 0);
        var loss = new SoftmaxCrossEntropy();
        Trainer.Fit(model, loss, new Adam(model.Parameters, 0.01f), data, new TrainingOptions { Epochs = 60, BatchSize = 16 });
        Assert.Equal(1.0, Evaluator.Evaluate(model, loss, data).Accuracy);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights_and_another_seed_does_not()
    {
        float[] Train(int seed)
        {
            Dataset data = TestData.Mnist10k.Train.Take(300);
            var model = new Sequential(784).Add(new Dense(32)).Add(new Tanh()).Add(new Dense(10));
            model.Initialize(seed);
            Trainer.Fit(model, new SoftmaxCrossEntropy(), new Momentum(model.Parameters, 0.05f, nesterov: true), data,
                new TrainingOptions { Epochs = 2, BatchSize = 32, Seed = seed });
            return model.Parameters.SelectMany(p => p.Value).ToArray();
        }

        float[] first = Train(7), second = Train(7), other = Train(8);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Nan_loss_stops_with_epoch_and_batch_and_a_hint()
    {
        Dataset data = TestData.Mnist10k.Train.Take(128);
        data.Features.Span[5] = float.NaN;
        var model = new Sequential(784).Add(new Dense(10));
        model.Initialize(0);
        var error = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Fit(model, new SoftmaxCrossEntropy(), new GradientDescent(model.Parameters, 0.1f), data, new TrainingOptions { Epochs = 1, BatchSize = 0 }));
        Assert.Contains("epoch 1, batch 1", error.Message);
        Assert.Contains("learning rate", error.Message);
    }

    [Fact]
    public void Cancellation_stops_after_the_current_batch_and_keeps_the_weights()
    {
        Dataset data = TestData.Mnist10k.Train.Take(640);
        var model = new Sequential(784).Add(new Dense(10));
        model.Initialize(0);
        using var cancellation = new CancellationTokenSource();
        int batches = 0;
        var progress = new CallbackProgress(p =>
        {
            if (p.CompletedEpoch is null && ++batches == 3)
            {
                cancellation.Cancel();
            }
        });
        TrainingHistory history = Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters), data,
            new TrainingOptions { Epochs = 5, BatchSize = 64 }, progress: progress, cancellationToken: cancellation.Token);
        Assert.True(history.Cancelled);
        Assert.Equal(3, batches);
        Assert.Empty(history.Epochs);
        Assert.Contains(model.Parameters[0].Value, v => v != 0);
    }

    [Fact]
    public void History_records_train_and_validation_per_epoch()
    {
        var (train, validation) = TestData.Mnist10k.Train.Take(600).SplitValidation(0.2, seed: 1);
        Assert.Equal(600, train.Count + validation.Count);
        Assert.InRange(validation.Count, 115, 125); // 20 %, rounded per class (stratified)
        var model = new Sequential(784).Add(new Dense(16)).Add(new ReLU()).Add(new Dense(10));
        model.Initialize(0);
        TrainingHistory history = Trainer.Fit(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters), train,
            new TrainingOptions { Epochs = 3, BatchSize = 32 }, validation);
        Assert.Equal(3, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.True(history.Epochs[2].TrainLoss < history.Epochs[0].TrainLoss);
    }

    [Fact]
    public void Tutorial_network_784_10_10_full_batch_gradient_descent_reaches_the_numpy_accuracy()
    {
        // The NumPy tutorial: 784-10-10, ReLU, softmax, U(−0.5, 0.5) init, full-batch GD, α = 0.1, 500 iterations → 0.849.
        var (train, test) = TestData.Mnist10k;
        var model = new Sequential(784).Add(new Dense(10, Initializer.Uniform)).Add(new ReLU()).Add(new Dense(10, Initializer.Uniform)).Add(new Softmax());
        model.Initialize(seed: 0);
        var loss = new CategoricalCrossEntropy();
        Trainer.Fit(model, loss, new GradientDescent(model.Parameters, 0.1f), train, new TrainingOptions { Epochs = 500, BatchSize = 0 });
        double accuracy = Evaluator.Evaluate(model, loss, test).Accuracy;
        Assert.InRange(accuracy, 0.80, 0.95);
    }

    private sealed class CallbackProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
