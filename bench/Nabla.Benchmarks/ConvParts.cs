using System.Diagnostics;
using Nabla.Tensors;

namespace Nabla.Benchmarks;

internal static class ConvParts
{
    public static void Run()
    {
        var g = ConvolutionGeometry.Create(32, 13, 13, (3, 3), (1, 1), false);
        int k = g.ColumnRows, p = g.OutputPixels, f = 64;
        float[] x = new float[g.InputSize], col = new float[k * p + 16], dcol = new float[k * p], w = new float[f * k], dw = new float[f * k], dy = new float[f * p], dx = new float[g.InputSize + 16], y = new float[f * p];
        var r = new Random(1);
        for (int i = 0; i < x.Length; i++) x[i] = r.NextSingle();
        for (int i = 0; i < w.Length; i++) w[i] = r.NextSingle();
        for (int i = 0; i < dy.Length; i++) dy[i] = r.NextSingle();
        void Time(string name, Action a)
        {
            for (int i = 0; i < 200; i++) a();
            double best = double.MaxValue;
            for (int round = 0; round < 20; round++)
            {
                long t = Stopwatch.GetTimestamp();
                for (int i = 0; i < 100; i++) a();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalMicroseconds / 100);
            }
            Console.WriteLine($"{name}: {best:F2} us");
        }
        Time("lower", () => Im2Col.Lower(g, x, col));
        Time("fwd gemm", () => Gemm.Multiply(w, false, col, false, y, f, k, p));
        Time("dW gemm", () => Gemm.Multiply(dy, false, col, true, dw, f, p, k, 1f, 1f));
        Time("dX gemm", () => Gemm.Multiply(w, true, dy, false, dcol, k, f, p));
        Time("col2im", () => { Array.Clear(dx); Im2Col.AddColumns(g, dcol, dx); });
    }
}
