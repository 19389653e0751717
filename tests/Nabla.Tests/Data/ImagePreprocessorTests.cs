using Nabla.Data;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Data;

/// <summary>MNIST's own preprocessing for pictures of any size (issue 15).</summary>
public sealed class ImagePreprocessorTests
{
    [Fact]
    public void Mnist_training_digits_measure_as_light_ink_in_a_20_pixel_box_centred_by_mass()
    {
        Assert.Equal(ImageStyle.Mnist, ImageStyle.Measure(TestData.Mnist10k.Train));
    }
}
