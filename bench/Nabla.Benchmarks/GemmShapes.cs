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

    /// <summary>More shapes from training runs: the full-batch tutorial network's dW₁ = Xᵀ·dZ₁, and a 784-128-10 step.</summary>
    public static readonly (int M, int K, int N, bool TransposeA, bool TransposeB)[] Training =
    [
        (784, 10000, 10, true, false),
        (512, 784, 10, false, false),
        (784, 512, 10, true, false),
        (784, 64, 128, true, false),
        (64, 128, 10, false, false),
        (128, 64, 10, true, false),
        (64, 10, 128, false, true),
    ];
}
