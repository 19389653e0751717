using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public sealed unsafe class GateVectorTests
{
    [Fact]
    public void Sigmoid_and_tanh_are_accurate_at_every_width_and_agree_across_widths()
    {
        float[] x = Enumerable.Range(0, 4001).Select(i => (i - 2000) / 100f).Concat([-200f, 200f, 1e-6f, -1e-6f, 0f, 88f, -88f]).ToArray();
        float[] sigmoid = new float[x.Length], tanh = new float[x.Length];
        fixed (float* px = x, ps = sigmoid, pt = tanh)
        {
            var kernel = new Kernel { X = px, Sigmoid = ps, Tanh = pt };
            GateLoop.Run(ref kernel, x.Length);
        }

        for (int i = 0; i < x.Length; i++)
        {
            double s = 1 / (1 + Math.Exp(-(double)x[i])), t = Math.Tanh(x[i]);
            Assert.True(Math.Abs(sigmoid[i] - s) <= 2e-7, $"σ({x[i]}) = {sigmoid[i]}, exact {s}");
            Assert.True(Math.Abs(tanh[i] - t) <= 3e-7, $"tanh({x[i]}) = {tanh[i]}, exact {t}");
            Assert.Equal(ScalarSigmoid(x[i]), sigmoid[i]);
            Assert.Equal(ScalarTanh(x[i]), tanh[i]);
        }

        Assert.Equal(1f, tanh[^6]);
        Assert.Equal(0f, sigmoid[^7]);
        Assert.True(float.IsNaN(RunOne(float.NaN).Sigmoid) && float.IsNaN(RunOne(float.NaN).Tanh));
    }

    private static float ScalarSigmoid(float x) => RunOne(x).Sigmoid;

    private static float ScalarTanh(float x) => RunOne(x).Tanh;

    private static (float Sigmoid, float Tanh) RunOne(float value)
    {
        float s = 0, t = 0;
        var kernel = new Kernel { X = &value, Sigmoid = &s, Tanh = &t };
        kernel.Apply<GateScalar>(0);
        return (s, t);
    }

    private struct Kernel : IGateKernel
    {
        public float* X, Sigmoid, Tanh;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            TV x = TV.Load(X + j);
            TV.Sigmoid(x).Store(Sigmoid + j);
            TV.Tanh(x).Store(Tanh + j);
        }
    }
}
