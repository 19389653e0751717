namespace Nabla.Benchmarks;

/// <summary>The products the GEMM issue is judged on (m×k×n, op(A) m×k, op(B) k×n).</summary>
internal static class GemmShapes
{
    public static readonly (int M, int K, int N, bool TransposeA, bool TransposeB)[] All =
    [
        (1024, 1024, 1024, false, false),
        (64, 784, 512, false, false),
        (64, 512, 512, false, false),
        (784, 64, 512, true, false),   // dW = Xᵀ·dY
        (64, 512, 784, false, true),   // dX = dY·Wᵀ
        (64, 784, 128, false, false),
        (256, 784, 512, false, false),
        (10000, 784, 10, false, false),
    ];
}
