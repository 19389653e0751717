using System.Globalization;
using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Tests.Testing;

/// <summary>Models for checking that other readers (ONNX Runtime, NumPy, PyTorch) compute what Nabla computes.</summary>
internal static class TestModels
{
    /// <summary>A digit classifier on [1, 28, 28] raw pixels with every built-in layer kind — dense on a rank-2 input
    /// (after a reshape), batch norm with statistics and affine parameters far from their initial values, dropout, and
    /// a softmax layer — and its metadata (input scale 1/255).</summary>
    public static (Sequential Model, ModelMetadata Metadata) EveryKind(int seed = 4)
    {
        var model = new Sequential(1, 28, 28)
        {
            new Reshape(28, 28), new Dense(16), new LeakyReLU(0.1f), new Flatten(), new Dense(24, Initializer.GlorotNormal), new BatchNorm(0.2f, 1e-3f),
            new Tanh(), new Dropout(0.3f), new Dense(12), new Sigmoid(), new Dense(10), new ReLU(), new Dense(10), new Softmax(),
        };
        model.Initialize(seed);
        var random = new Random(seed + 1);
        var norm = model.Layers.OfType<BatchNorm>().Single();
        for (int j = 0; j < norm.Scale.Value.Length; j++)
        {
            (norm.RunningMean.Value[j], norm.RunningVariance.Value[j]) = ((float)random.NextDouble() - 0.5f, 0.2f + (float)random.NextDouble());
            (norm.Scale.Value[j], norm.Shift.Value[j]) = (0.5f + (float)random.NextDouble(), (float)random.NextDouble() - 0.5f);
        }

        var metadata = new ModelMetadata(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), 1f / 255, "categorical-cross-entropy");
        model.Metadata = metadata;
        return (model, metadata);
    }

    /// <summary>A digit classifier on [1, 28, 28] raw pixels with the image layer kinds: convolutions (valid and same
    /// padding, a stride of 2, with and without bias), batch norm over channels with statistics far from their initial
    /// values, both window poolings and the global average.</summary>
    public static (Sequential Model, ModelMetadata Metadata) Convolutional(int seed = 6)
    {
        var model = new Sequential(1, 28, 28)
        {
            new Conv2D(4, 3), new BatchNorm(0.2f, 1e-3f), new ReLU(), new MaxPool2D((2, 2), (2, 2)),
            new Conv2D(6, (3, 5), (2, 1), Padding.Same, bias: false), new Tanh(), new AvgPool2D((2, 2), (1, 1)),
            new Conv2D(8, 1), new GlobalAveragePool2D(), new Dense(10),
        };
        model.Initialize(seed);
        var random = new Random(seed + 1);
        var norm = model.Layers.OfType<BatchNorm>().Single();
        for (int j = 0; j < norm.Scale.Value.Length; j++)
        {
            (norm.RunningMean.Value[j], norm.RunningVariance.Value[j]) = ((float)random.NextDouble() - 0.5f, 0.2f + (float)random.NextDouble());
            (norm.Scale.Value[j], norm.Shift.Value[j]) = (0.5f + (float)random.NextDouble(), (float)random.NextDouble() - 0.5f);
        }

        model.OutputTransform = OutputTransform.Softmax;
        var metadata = new ModelMetadata(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), 1f / 255, "cross-entropy");
        model.Metadata = metadata;
        return (model, metadata);
    }

    /// <summary>A digit classifier on [1, 28, 28] raw pixels that reads the image rows as a sequence through every
    /// recurrent kind, with and without return_sequences: reshape(28, 28), an LSTM of every step's state, a GRU of every
    /// step's state, a simple RNN's last state, dense, softmax. Weights uniform in ±0.6 (wider than PyTorch's ±1/√units,
    /// so the gates leave their linear middle and a wrong gate order shows).</summary>
    public static (Sequential Model, ModelMetadata Metadata) Recurrent(int seed = 8)
    {
        var model = new Sequential(1, 28, 28)
        {
            new Reshape(28, 28), new Lstm(12, returnSequences: true), new Gru(10, returnSequences: true), new SimpleRnn(8), new Dense(10), new Softmax(),
        };
        model.Initialize(seed);
        FillUniform(model, 0.6, seed + 1);
        var metadata = new ModelMetadata(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), 1f / 255, "categorical-cross-entropy");
        model.Metadata = metadata;
        return (model, metadata);
    }

    /// <summary>A character-level language model as <c>--task text</c> builds it — [steps] token ids, an embedding, a GRU
    /// and an LSTM with return_sequences, a dense layer on every step, softmax over the vocabulary — with its
    /// vocabulary ("\n", a…e) as class names.</summary>
    public static (Sequential Model, ModelMetadata Metadata) Text(int steps = 9, int seed = 10)
    {
        string[] vocabulary = ["\n", "a", "b", "c", "d", "e"];
        var model = new Sequential(steps)
        {
            new Embedding(vocabulary.Length, 5), new Gru(7, returnSequences: true), new Lstm(6, returnSequences: true), new Dense(vocabulary.Length),
        };
        model.OutputTransform = OutputTransform.Softmax;
        model.Initialize(seed);
        FillUniform(model, 0.6, seed + 1);
        var metadata = new ModelMetadata(vocabulary, 1f, "sparse-cross-entropy") { Task = Nabla.Data.TaskKind.Text };
        model.Metadata = metadata;
        return (model, metadata);
    }

    private static void FillUniform(Sequential model, double limit, int seed)
    {
        var random = new Random(seed);
        foreach (Layer layer in model.Layers.Where(l => l is RecurrentLayer))
        {
            foreach (var p in layer.Parameters)
            {
                for (int i = 0; i < p.Value.Length; i++)
                {
                    p.Value[i] = (float)((random.NextDouble() * 2 - 1) * limit);
                }
            }
        }
    }

    /// <summary>Whether a layer kind is one of the library's own (not a test's registration).</summary>
    public static bool IsBuiltIn(LayerType type) => type.Create.Method.Module.Assembly == typeof(Dense).Assembly;
}
