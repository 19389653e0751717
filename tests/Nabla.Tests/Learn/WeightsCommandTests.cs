using Nabla.Tests.Testing;
using StbImageSharp;

namespace Nabla.Tests.Learn;

/// <summary><c>nabla weights</c> draws the first layer: a dense layer's units as images, a convolution's kernels.</summary>
public sealed class WeightsCommandTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(200, 50);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-weights-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Theory]
    [InlineData(new[] { "--layers", "12" }, "12 pictures of 12 dense units")]
    [InlineData(new[] { "--arch", "conv2d(5, 3) relu maxpool(2)" }, "5 pictures of 5 3×3 kernels")]
    public void The_first_layer_is_drawn_as_one_picture_per_unit_or_kernel(string[] architecture, string said)
    {
        string model = Path.Combine(_work, "m.nabla"), png = Path.Combine(_work, "w.png");
        Assert.Equal(0, CliRunner.Run(["train", "--data", _data, "--epochs", "1", "--out", model, "--quiet", .. architecture]).Code);
        var (code, output, error) = CliRunner.Run("weights", "--model", model, "--out", png);
        Assert.True(code == 0, error);
        Assert.Contains(said, output);
        ImageResult image = ImageResult.FromMemory(File.ReadAllBytes(png), ColorComponents.RedGreenBlue);
        Assert.True(image.Width > 100 && image.Height > 50);
        Assert.Contains(image.Data, v => v is > 20 and < 235); // colours, not a blank page
    }

    [Fact]
    public void A_model_on_table_columns_or_a_non_png_name_is_refused()
    {
        string csv = Path.Combine(_work, "t.csv"), model = Path.Combine(_work, "t.nabla");
        File.WriteAllLines(csv, ["a,b,y", .. Enumerable.Range(0, 40).Select(i => $"{i % 5},{i % 3},{i % 2}")]);
        Assert.Equal(0, CliRunner.Run("train", "--data", csv, "--epochs", "1", "--out", model, "--quiet").Code);
        Assert.Equal(2, CliRunner.Run("weights", "--model", model, "--out", Path.Combine(_work, "w.png")).Code);
        Assert.Equal(2, CliRunner.Run("weights", "--model", model, "--out", Path.Combine(_work, "w.jpg")).Code);
    }
}
