using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Tests.Layers;

/// <summary>The image layers with non-default settings rebuild from their settings and replicate, and a convolutional
/// model round-trips through a model file.</summary>
public sealed class ImageLayerRegistryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-image-registry-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Calls with non-default settings, on images.</summary>
    public static TheoryData<string, int[]> Calls => new()
    {
        { "relu", [3, 4, 4] },
        { "dropout(0.3)", [2, 5, 5] },
        { "batch-norm(momentum=0.2, epsilon=0.001)", [3, 4, 4] },
        { "flatten", [3, 4, 4] },
        { "reshape(4, -1)", [3, 4, 4] },
        { "conv2d(8, (3, 2), stride=(2, 1), padding=same, bias=false, initializer=pytorch-uniform)", [3, 9, 8] },
        { "maxpool2d(3, stride=2)", [2, 9, 9] },
        { "avgpool2d((2, 3))", [2, 6, 9] },
        { "global-avgpool2d", [4, 5, 5] },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void Settings_round_trip_through_the_registry_and_replicas_share_the_weights(string call, int[] input)
    {
        Layer layer = ArchitectureParser.Parse(call)[0].Create();
        layer.Build(new Shape(input));
        Layer rebuilt = LayerRegistry.Create(layer.Kind, layer.Settings);
        Assert.Equal(layer.GetType(), rebuilt.GetType());
        Assert.Equal(layer.Settings, rebuilt.Settings);
        Assert.Equal(layer.OutputShape, rebuilt.Build(new Shape(input)));

        Layer replica = layer.CreateReplica()!;
        Assert.Equal(layer.Settings, replica.Settings);
        for (int i = 0; i < layer.Parameters.Count; i++)
        {
            Assert.Same(layer.Parameters[i].Value, replica.Parameters[i].Value);
            Assert.NotSame(layer.Parameters[i].Gradient, replica.Parameters[i].Gradient);
        }
    }

    [Fact]
    public void A_convolutional_model_round_trips_through_a_model_file()
    {
        var model = new Sequential(1, 12, 12);
        foreach (var call in ArchitectureParser.Parse("conv2d(4, 3, padding=same) batch-norm relu maxpool(2) conv2d(6, (3, 2), stride=(1, 2), bias=false) relu avgpool2d(2, stride=1) global-avgpool2d dropout(0.2) dense(3)"))
        {
            model.Add(call.Create());
        }

        model.Initialize(5);
        var x = new Tensor(Conv2DTests.Random(7 * 144, seed: 1), new Shape(7, 1, 12, 12));
        model.Forward(x, training: true);   // moves batch norm's running statistics off their start
        string path = Path.Combine(_folder, "cnn.nabla");
        ModelFile.Save(path, model, new ModelMetadata(["a", "b", "c"], 1f, "cross-entropy"));
        var (loaded, _) = ModelFile.Load(path);

        Assert.Equal(model.Layers.Select(l => (l.Name, l.Settings)), loaded.Layers.Select(l => (l.Name, l.Settings)));
        Assert.Equal(model.InputShape, loaded.InputShape);
        Assert.Equal(model.Forward(x, training: false).Span.ToArray(), loaded.Forward(x, training: false).Span.ToArray());
    }
}
