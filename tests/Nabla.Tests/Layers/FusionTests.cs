using Nabla.Layers;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Tests.Layers;

/// <summary>A convolution fused with its ReLU and max pooling gives bit for bit what the layers give one by one.</summary>
public sealed class FusionTests
{
    [Theory]
    [InlineData("conv2d(8, 3) relu maxpool(2) conv2d(16, 3, padding=same) relu maxpool(2) flatten dense(10)", 1, 28, 2)]
    [InlineData("conv2d(6, 5, padding=same) relu conv2d(4, 3) relu flatten dense(5)", 1, 12, 2)]
    [InlineData("conv2d(5, 3, stride=2) relu maxpool(3, stride=2) flatten dense(3)", 3, 15, 1)]
    public void Fused_blocks_match_the_layers_one_by_one(string architecture, int channels, int size, int blocks)
    {
        Sequential model = Build(architecture, channels, size);
        Assert.Equal(Environment.GetEnvironmentVariable("NABLA_FUSION") == "0" ? 0 : blocks, model.FusedBlockCount);
        const int batch = 21;
        var x = new Tensor(Conv2DTests.Random(batch * channels * size * size, seed: 1).Select(v => MathF.Round(v * 8) / 8).ToArray(), new Shape(batch, channels, size, size));

        // fused, through the model
        Tensor fused = model.Forward(x, training: true);
        float[] fusedOutput = fused.Span.ToArray();
        var dOutput = new Tensor(Conv2DTests.Random(fused.Length, seed: 2), fused.Shape);
        model.ZeroGradients();
        model.Backward(dOutput);
        float[][] fusedGradients = model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();

        // layer by layer
        Tensor current = x;
        foreach (Layer layer in model.Layers)
        {
            current = layer.Forward(current, training: true);
        }

        Assert.Equal(fusedOutput, current.Span.ToArray());
        model.ZeroGradients();
        Tensor? gradient = dOutput;
        for (int i = model.Layers.Count - 1; i >= 0 && gradient is not null; i--)
        {
            gradient = model.Layers[i].Backward(gradient, needInputGradient: i > 0);
        }

        for (int i = 0; i < fusedGradients.Length; i++)
        {
            Assert.Equal(fusedGradients[i], model.Parameters[i].Gradient);
        }
    }

    private static Sequential Build(string architecture, int channels, int size)
    {
        var model = new Sequential(channels, size, size);
        foreach (ArchitectureParser.LayerCall call in ArchitectureParser.Parse(architecture))
        {
            model.Add(call.Create());
        }

        model.Initialize(3);
        return model;
    }
}
