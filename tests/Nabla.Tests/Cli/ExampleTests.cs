using System.Text.Json.Nodes;
using Nabla.Cli;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The commands of examples/README.md, as written there.</summary>
public sealed class ExampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-examples-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);


    [Fact]
    public void Xor_learns_all_four_cases()
    {
        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");
        string model = Path.Combine(_folder, "xor.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", xor, "--test-split", "0", "--scale", "none", "--layers", "10", "--activation", "sigmoid",
            "--optimizer", "adam", "--lr", "0.05", "--batch-size", "full", "--epochs", "1000", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        Assert.Equal(1.0, (double)JsonNode.Parse(output)!["test_accuracy"]!);
        var prediction = CliRunner.Run("predict", "--model", model, "--input", xor);
        string[] lines = prediction.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("0: 0 ", lines[0]);
        Assert.StartsWith("1: 1 ", lines[1]);
        Assert.StartsWith("2: 1 ", lines[2]);
        Assert.StartsWith("3: 0 ", lines[3]);
    }

    [Fact]
    public void Standard_scaling_is_applied_once_when_testing_on_the_training_data()
    {
        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");
        PreparedData prepared = DataPreparation.Prepare(xor, null, [], null, "standard", testSplit: 0, validationSplit: 0, seed: 0);
        Assert.Same(prepared.Train, prepared.Test);
        // a and b are 0, 0, 1, 1 in some order: standardized once they are exactly −1 or +1
        Assert.All(prepared.Train.Features.Span.ToArray(), v => Assert.Equal(1f, MathF.Abs(v), 5));
    }
}
