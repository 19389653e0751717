using Nabla.Tests.Testing;

namespace Nabla.Tests.Learn;

/// <summary><c>nabla compare</c>: the curves of several models on one plot, from the histories their files keep.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(300, 50);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-compare-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public void Two_optimizers_are_drawn_on_one_plot_with_a_table_of_their_last_epochs()
    {
        foreach (string optimizer in new[] { "sgd", "adam" })
        {
            Assert.Equal(0, CliRunner.Run("train", "--data", _data, "--optimizer", optimizer, "--epochs", "2", "--layers", "16", "--out", Path.Combine(_work, optimizer + ".nabla"), "--quiet").Code);
        }

        string plot = Path.Combine(_work, "cmp.png");
        var (code, output, error) = CliRunner.Run("compare", "--model", Path.Combine(_work, "sgd.nabla"), Path.Combine(_work, "adam.nabla"), "--label", "plain SGD", "Adam", "--metric", "accuracy", "--out", plot);
        Assert.True(code == 0, error);
        Assert.Matches(@"plain SGD\s+2\s+\d\.\d{4}\s+\d\.\d{4}", output);
        Assert.Contains("Adam", output);
        Assert.True(new FileInfo(plot).Length > 5000);

        Assert.Equal(2, CliRunner.Run("compare", "--model", Path.Combine(_work, "sgd.nabla"), "--label", "a", "b", "--out", plot).Code);
        Assert.Equal(2, CliRunner.Run("compare", "--model", Path.Combine(_work, "sgd.nabla"), "--metric", "speed", "--out", plot).Code);
        Assert.Equal(2, CliRunner.Run("compare", "--model", Path.Combine(_work, "sgd.nabla"), "--out", Path.Combine(_work, "cmp.gif")).Code);
    }
}
