using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Serialization;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests;

/// <summary>The README's library example, compiled and run (on a slice, one epoch), so it cannot rot.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void The_ten_line_example_runs()
    {
        string path = Path.Combine(Path.GetTempPath(), $"readme-{Environment.ProcessId}.nabla");
        var (train, test) = Mnist.LoadFolder(TestData.MnistFolder);
        (train, test) = (train.Take(500), test.Take(200));
        var model = new Sequential(784).Add(new Dense(128)).Add(new ReLU()).Add(new Dense(10));
        model.Initialize(seed: 0);
        var loss = new SoftmaxCrossEntropy();
        Trainer.Fit(model, loss, new Adam(model.Parameters), train, new TrainingOptions { Epochs = 1, BatchSize = 64 });
        Assert.True(Evaluator.Evaluate(model, loss, test).Accuracy > 0.5);
        ModelFile.Save(path, model, new ModelMetadata([.. Enumerable.Range(0, 10).Select(i => $"{i}")], Mnist.PixelScale, loss.Name));
        Assert.True(File.Exists(path));
        File.Delete(path);
    }
}
