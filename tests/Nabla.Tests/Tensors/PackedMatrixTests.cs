using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public sealed class PackedMatrixTests
{
    public static TheoryData<int, int, int, bool, float> Shapes => new()
    {
        { 1, 1, 1, false, 0f },
        { 7, 5, 9, false, 1f },
        { 8, 128, 512, false, 1f },    // an LSTM-128 step, forward
        { 32, 512, 128, true, 0f },    // its backward: ∂a·Uᵀ
        { 13, 300, 33, false, 0f },    // k in two blocks, partial tiles in both directions
        { 16, 513, 47, true, 1f },
        { 3, 40, 120, true, 1f },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_reference_product(int rows, int k, int n, bool transpose, float beta)
    {
        var random = new Random(rows * 1000 + k + n);
        float[] a = Enumerable.Range(0, rows * (k + 3)).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        float[] c = Enumerable.Range(0, rows * (n + 5)).Select(_ => random.NextSingle()).ToArray();

        // A with row stride k + 3 and C with row stride n + 5: the strides are honoured, the gaps untouched.
        float[] expected = (float[])c.Clone();
        for (int i = 0; i < rows; i++)
        {
            float[] row = new float[n];
            float[] aRow = a.AsSpan(i * (k + 3), k).ToArray();
            float[] cRow = c.AsSpan(i * (n + 5), n).ToArray();
            GemmReference.Multiply(aRow, false, b, transpose, cRow, 1, k, n, 1f, beta);
            cRow.CopyTo(expected, i * (n + 5));
        }

        var packed = new PackedMatrix();
        packed.Pack(b, transpose, k, n);
        packed.Multiply(a, k + 3, rows, c, n + 5, beta);
        for (int i = 0; i < c.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"C[{i}] = {c[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void Packing_again_replaces_the_matrix()
    {
        var packed = new PackedMatrix();
        packed.Pack(Enumerable.Repeat(1f, 64 * 64).ToArray(), false, 64, 64);
        packed.Pack([2f, 3f], false, 1, 2);
        float[] c = new float[2];
        packed.Multiply([5f], 1, 1, c, 2, 0f);
        Assert.Equal([10f, 15f], c);
    }
}
