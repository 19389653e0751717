using Nabla.Layers;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Layers;

public sealed class EmbeddingTests
{
    private static Embedding Built(int vocabulary, int dimension, int steps, int seed)
    {
        var layer = new Embedding(vocabulary, dimension);
        layer.Build(new Shape(steps));
        layer.Initialize(new Random(seed), Nabla.Initializers.Initializer.Default);
        return layer;
    }

    [Fact]
    public void Forward_looks_up_rows_of_the_table()
    {
        Embedding layer = Built(4, 3, steps: 2, seed: 1);
        Tensor y = layer.Forward(new Tensor([3f, 0f, 1f, 3f], new Shape(2, 2)), training: false);
        Assert.Equal(new Shape(2, 2, 3), y.Shape);
        Assert.Equal(layer.Weight.Value.AsSpan(9, 3).ToArray(), y.Span.Slice(0, 3).ToArray());
        Assert.Equal(layer.Weight.Value.AsSpan(0, 3).ToArray(), y.Span.Slice(3, 3).ToArray());
        Assert.Equal(layer.Weight.Value.AsSpan(9, 3).ToArray(), y.Span.Slice(9, 3).ToArray());
    }

    [Fact]
    public void Table_gradients_through_a_gru_match_central_differences()
    {
        // ids are not differentiable, so the check perturbs the table only; repeated ids accumulate.
        var model = new Sequential(6) { new Embedding(5, 4), new Gru(3, returnSequences: true) };
        model.Initialize(2);
        var embedding = (Embedding)model.Layers[0];
        var x = new Tensor([0f, 1f, 4f, 4f, 2f, 1f, 3f, 3f, 0f, 2f, 1f, 1f], new Shape(2, 6));
        double error = GradientChecker.MaxModelParameterError(model, x, embedding.Weight, probes: 20);
        Assert.True(error < GradientChecker.Tolerance, $"relative error {error}");
    }

    [Theory]
    [InlineData(5f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void Values_that_are_not_token_ids_are_refused_with_their_position(float bad)
    {
        Embedding layer = Built(5, 2, steps: 3, seed: 1);
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new Tensor([0f, 1f, 2f, 3f, bad, 4f], new Shape(2, 3)), training: false));
        Assert.Contains("sample 1, position 1", ex.Message);
        Assert.Contains("[0, 5)", ex.Message);
    }

    [Fact]
    public void Without_a_vocabulary_the_layer_cannot_be_built()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => new Sequential(10).Add(new Embedding(0, 8)));
        Assert.Contains("vocabulary=N", ex.Message);
    }
}
