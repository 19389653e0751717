using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Tensors;
using Nabla.Tests.Testing;
using Nabla.Threading;

namespace Nabla.Tests.Layers;

/// <summary>The fast convolution (im2col + GEMM, and the direct one-channel path) against the reference loops, its
/// gradients against central differences, and its results against the thread count.</summary>
public sealed class Conv2DTests
{
    /// <summary>[batch, channels, height, width, filters, kernel (h, w), stride (h, w)], same padding, bias.</summary>
    public static TheoryData<int[], bool, bool> Cases => new()
    {
        // one channel (the direct path on AVX-512): the two benchmark first layers, odd sizes, a wide kernel
        { [3, 1, 28, 28, 32, 3, 3, 1, 1], false, true },
        { [2, 1, 28, 28, 6, 5, 5, 1, 1], true, true },
        { [5, 1, 9, 37, 3, 2, 4, 1, 1], true, false },
        { [1, 1, 5, 5, 1, 5, 5, 1, 1], false, true },
        // one channel with strides (the GEMM path)
        { [3, 1, 11, 13, 4, 3, 3, 2, 3], true, true },
        // several channels: both paddings, odd sizes, non-square kernels and strides, more than 16 samples
        { [4, 32, 13, 13, 64, 3, 3, 1, 1], false, true },
        { [3, 6, 14, 14, 16, 5, 5, 1, 1], false, true },
        { [2, 3, 7, 9, 5, 3, 2, 1, 1], true, true },
        { [19, 2, 8, 5, 3, 3, 3, 2, 1], true, false },
        { [2, 5, 10, 11, 7, 4, 4, 3, 2], false, true },
        { [3, 4, 6, 6, 8, 1, 1, 1, 1], false, true },
        { [2, 3, 4, 4, 2, 2, 2, 2, 2], true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_reference(int[] sizes, bool same, bool bias)
    {
        // batch, channels, height, width, filters, kernel (h, w), stride (h, w)
        var (batch, c, h, w, f) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4]);
        var (kh, kw, sh, sw) = (sizes[5], sizes[6], sizes[7], sizes[8]);
        Conv2D conv = Build(c, h, w, f, kh, kw, sh, sw, same, bias, seed: 1);
        float[] x = Random(batch * c * h * w, seed: 2);
        Tensor y = conv.Forward(new Tensor(x, new Shape(batch, c, h, w)), training: true);
        float[] expected = ConvolutionReference.Forward(x, batch, c, h, w, conv.Weight.Value, conv.Bias?.Value, f, kh, kw, sh, sw, same);
        Assert.Equal(new[] { batch, f }.Concat(conv.OutputShape.ToArray().Skip(1)).ToArray(), y.Shape.ToArray());
        AssertClose(expected, y.Span.ToArray(), "forward");

        float[] dy = Random(y.Length, seed: 3);
        var (dW, dB, dX) = ConvolutionReference.Backward(x, batch, c, h, w, conv.Weight.Value, f, kh, kw, sh, sw, same, dy);
        Tensor dInput = conv.Backward(new Tensor(dy, y.Shape), needInputGradient: true)!;
        AssertClose(dW, conv.Weight.Gradient, "dW");
        if (bias)
        {
            AssertClose(dB, conv.Bias!.Gradient, "db");
        }

        AssertClose(dX, dInput.Span.ToArray(), "dX");
    }

    [Theory]
    [InlineData(1, 9, 9, 3, 3, 1, false)]
    [InlineData(1, 8, 8, 2, 5, 1, true)]
    [InlineData(3, 7, 6, 4, 3, 2, true)]
    [InlineData(2, 6, 7, 3, 2, 1, false)]
    public void Gradients_match_central_differences(int c, int h, int w, int f, int k, int stride, bool same)
    {
        Conv2D conv = Build(c, h, w, f, k, k, stride, stride, same, bias: true, seed: 4);
        double error = GradientChecker.MaxLayerError(conv, new Tensor(Random(2 * c * h * w, seed: 5), new Shape(2, c, h, w)), probes: 60);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Backward_accumulates_parameter_gradients()
    {
        Conv2D conv = Build(2, 6, 6, 3, 3, 3, 1, 1, true, true, seed: 6);
        var x = new Tensor(Random(3 * 2 * 36, seed: 7), new Shape(3, 2, 6, 6));
        var dy = new Tensor(Random(3 * 3 * 36, seed: 8), new Shape(3, 3, 6, 6));
        conv.Forward(x, training: true);
        conv.Backward(dy, needInputGradient: false);
        float[] once = (float[])conv.Weight.Gradient.Clone();
        conv.Forward(x, training: true);
        conv.Backward(dy, needInputGradient: false);
        for (int i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], conv.Weight.Gradient[i], 4);
        }
    }

    [Theory]
    [InlineData(1, 28, 32, 3, false)]
    [InlineData(6, 14, 16, 5, false)]
    [InlineData(3, 9, 4, 3, true)]
    public void Results_do_not_depend_on_the_number_of_threads(int c, int size, int f, int k, bool same)
    {
        // the same batch on all worker threads, and on one (inside a job, where kernels run inline)
        var (y1, dW1, dX1) = RunOnce(c, size, f, k, same, inline: false);
        var (y2, dW2, dX2) = RunOnce(c, size, f, k, same, inline: true);
        Assert.Equal(y1, y2);
        Assert.Equal(dW1, dW2);
        Assert.Equal(dX1, dX2);
    }

    [Fact]
    public void Default_initialization_is_he_uniform_before_relu_with_fan_in_of_the_receptive_field()
    {
        var model = new Nabla.Models.Sequential(3, 10, 10).Add(new Conv2D(64, 5)).Add(new ReLU());
        model.Initialize(0);
        var conv = (Conv2D)model.Layers[0];
        double limit = Math.Sqrt(6.0 / (3 * 5 * 5));
        Assert.All(conv.Weight.Value, v => Assert.InRange(v, -limit, limit));
        Assert.True(conv.Weight.Value.Max() > 0.9 * limit, "the weights should fill U(-l, l) with l = √(6 / fan-in)");
        Assert.All(conv.Bias!.Value, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Shape_errors_name_the_layer_and_the_problem()
    {
        var flat = Assert.Throws<ShapeMismatchException>(() => new Nabla.Models.Sequential(784).Add(new Conv2D(8, 3)));
        Assert.Contains("conv2d_1", flat.Message);
        Assert.Contains("reshape(1, 28, 28)", flat.Message);
        var small = Assert.Throws<ShapeMismatchException>(() => new Nabla.Models.Sequential(1, 4, 4).Add(new Conv2D(8, 5)));
        Assert.Contains("5×5", small.Message);
        Assert.Contains("padding=same", small.Message);
    }

    private static (float[] Y, float[] DW, float[] DX) RunOnce(int c, int size, int f, int k, bool same, bool inline)
    {
        Conv2D conv = Build(c, size, size, f, k, k, 1, 1, same, true, seed: 9);
        const int batch = 23;
        var x = new Tensor(Random(batch * c * size * size, seed: 10), new Shape(batch, c, size, size));
        float[] y = [], dX = [];
        void Pass()
        {
            Tensor output = conv.Forward(x, training: true);
            y = output.Span.ToArray();
            dX = conv.Backward(new Tensor(Random(output.Length, seed: 11), output.Shape), needInputGradient: true)!.Span.ToArray();
        }

        if (inline)
        {
            new OnFirstThread(Pass).Run();
        }
        else
        {
            Pass();
        }

        return (y, conv.Weight.Gradient.ToArray(), dX);
    }

    internal static Conv2D Build(int c, int h, int w, int f, int kh, int kw, int sh, int sw, bool same, bool bias, int seed)
    {
        var conv = new Conv2D(f, (kh, kw), (sh, sw), same ? Padding.Same : Padding.Valid, bias);
        conv.Build(new Shape(c, h, w));
        conv.Initialize(new Random(seed), Initializer.GlorotUniform);
        if (conv.Bias is { } b)
        {
            Random(b.Value.Length, seed + 100).CopyTo(b.Value, 0);
        }

        return conv;
    }

    internal static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextSingle() * 2 - 1).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = 1e-4f * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>Runs an action on the first thread of a job, where every kernel it calls runs inline (one thread).</summary>
    private sealed class OnFirstThread(Action action) : IParallelWork
    {
        public void Run() => ParallelWorkers.Shared.Run(this, 2);

        public void Execute(int threadIndex, int threadCount)
        {
            if (threadIndex == 0)
            {
                action();
            }
        }
    }
}
