using System.Diagnostics;
using System.Globalization;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>cnn-layers [keras|lenet|"ARCH" BATCH] [ROUNDS]</c>: the time of each layer's forward and backward pass of the
/// benchmark convolutional networks (or any --arch stack on 28×28 images) on one random batch (128 for the Keras
/// convnet, 64 for LeNet-5), the minimum over rounds (the figure least disturbed by other load), as one JSON line per
/// layer, with the GFLOP/s of the convolutions; then the whole model's step (fused blocks as one pass).
/// </summary>
internal static class CnnLayers
{
    public static void Run(string network, int? batchSize = null, int rounds = 60)
    {
        (Sequential model, int batch) = network switch
        {
            "lenet" => (Build("conv2d(6, 5, padding=same) relu maxpool(2) conv2d(16, 5) relu maxpool(2) flatten dense(120) relu dense(84) relu dense(10)"), 64),
            "keras" => (Build("conv2d(32, 3) relu maxpool(2) conv2d(64, 3) relu maxpool(2) flatten dropout(0.5) dense(10)"), 128),
            _ => (Build(network + " flatten dense(10)"), 128),
        };
        batch = batchSize ?? batch;
        var random = new Random(1);
        var x = new Tensor(model.InputShape.WithBatchDimension(batch));
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.NextSingle();
        }

        int layers = model.Layers.Count;
        double[] forward = Enumerable.Repeat(double.MaxValue, layers).ToArray(), backward = (double[])forward.Clone();
        var inputs = new Tensor[layers];
        var outputs = new Tensor[layers];
        var gradients = new Tensor?[layers];
        for (int round = 0; round < Math.Min(rounds, 60); round++)
        {
            Tensor current = x;
            for (int i = 0; i < layers; i++)
            {
                inputs[i] = current;
                long start = Stopwatch.GetTimestamp();
                current = model.Layers[i].Forward(current, ForwardContext.ForTraining(round));
                forward[i] = Math.Min(forward[i], Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                outputs[i] = current;
            }

            Tensor? gradient = new Tensor(current.Shape);
            gradient.Span.Fill(0.01f);
            for (int i = layers - 1; i >= 0 && gradient is not null; i--)
            {
                long start = Stopwatch.GetTimestamp();
                gradient = model.Layers[i].Backward(gradient, needInputGradient: i > 0);
                backward[i] = Math.Min(backward[i], Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        // the whole model (fused blocks as one pass; NABLA_FUSION=0 runs every layer on its own)
        double modelForward = double.MaxValue, modelStep = double.MaxValue;
        var steps = new List<double>();
        var dOutput = new Tensor(outputs[^1].Shape);
        dOutput.Span.Fill(0.01f);
        for (int round = 0; round < rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Forward(x, ForwardContext.ForTraining(round));
            modelForward = Math.Min(modelForward, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            model.ZeroGradients();
            model.Backward(dOutput);
            modelStep = Math.Min(modelStep, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            steps.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        double total = 0;
        for (int i = 0; i < layers; i++)
        {
            Layer layer = model.Layers[i];
            total += forward[i] + backward[i];
            string flops = "";
            if (layer is Conv2D conv)
            {
                double macs = (double)batch * conv.OutputShape.Count * conv.Weight.Shape.Count / conv.Filters;
                int passes = i == 0 ? 1 : 2;
                flops = string.Create(CultureInfo.InvariantCulture, $",\"forward_gflops\":{2 * macs / forward[i] / 1e6:F1},\"backward_gflops\":{2 * passes * macs / backward[i] / 1e6:F1}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"layer\":\"{layer.Name}\",\"output\":\"{layer.OutputShape}\",\"forward_ms\":{forward[i]:F3},\"backward_ms\":{backward[i]:F3}{flops}}}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"network\":\"{network}\",\"batch\":{batch},\"layers_ms\":{total:F3},\"model_forward_ms\":{modelForward:F3},\"model_step_ms\":{modelStep:F3},\"model_step_median_ms\":{steps.Order().ElementAt(steps.Count / 2):F3},\"fusion\":{(Environment.GetEnvironmentVariable("NABLA_FUSION") != "0" ? "true" : "false")},\"threads\":{Environment.ProcessorCount}}}"));
    }

    private static Sequential Build(string architecture)
    {
        var model = new Sequential(1, 28, 28);
        foreach (ArchitectureParser.LayerCall call in ArchitectureParser.Parse(architecture))
        {
            model.Add(call.Create());
        }

        model.Initialize(0);
        return model;
    }
}
