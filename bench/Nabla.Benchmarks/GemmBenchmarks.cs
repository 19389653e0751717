using BenchmarkDotNet.Attributes;
using Nabla.Tensors;

namespace Nabla.Benchmarks;

/// <summary>BenchmarkDotNet view of the same GEMM shapes as the <c>gemm</c> command.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>Index into <see cref="GemmShapes.All"/>.</summary>
    [ParamsSource(nameof(ShapeIndices))]
    public int Shape { get; set; }

    /// <summary>All shape indices.</summary>
    public static IEnumerable<int> ShapeIndices => Enumerable.Range(0, GemmShapes.All.Length);

    /// <summary>Allocates random operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (m, k, n, _, _) = GemmShapes.All[Shape];
        var random = new Random(1);
        _a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle()).ToArray();
        _b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle()).ToArray();
        _c = new float[m * n];
    }

    /// <summary>One product.</summary>
    [Benchmark]
    public void Multiply()
    {
        var (m, k, n, ta, tb) = GemmShapes.All[Shape];
        Gemm.Multiply(_a, ta, _b, tb, _c, m, k, n);
    }
}
