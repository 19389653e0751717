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
        Assert.Matches(@"^sample +input +class +probability +next best$", lines[0]);
        Assert.Matches(@"^0 +\S+xor\.csv\[0\] +0 +\d\.\d{3} ", lines[1]);
        Assert.Matches(@"^1 +\S+\[1\] +1 ", lines[2]);
        Assert.Matches(@"^2 +\S+\[2\] +1 ", lines[3]);
        Assert.Matches(@"^3 +\S+\[3\] +0 ", lines[4]);
    }

    [Fact]
    public void The_convnet_trains_on_a_few_hundred_digits_and_summarizes()
    {
        const string architecture = "conv2d(32, 3) relu maxpool(2) conv2d(64, 3) relu maxpool(2) flatten dropout(0.5)";
        Assert.Contains($"--arch \"{architecture}\" --batch-size 128 --epochs 12", File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "examples", "README.md")));
        string data = TestData.WriteSlice(500, 200);
        try
        {
            string model = Path.Combine(_folder, "cnn.nabla");
            var (code, output, error) = CliRunner.Run("train", "--data", data, "--arch", architecture, "--batch-size", "128", "--epochs", "3", "--out", model, "--json", "--quiet");
            Assert.True(code == 0, error);
            Assert.True((double)JsonNode.Parse(output)!["test_accuracy"]! > 0.5, output);
            var summary = CliRunner.Run("summary", "--model", model);
            Assert.Contains("(None, 64, 5, 5)", summary.Out);
            Assert.Contains("Total params: 34,826", summary.Out);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void The_readme_convnet_commands_train_on_a_few_hundred_digits()
    {
        // every "nabla train --arch ..." line of the README's convolutional section, with its --augment, for one epoch
        string readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "README.md"));
        var commands = System.Text.RegularExpressions.Regex.Matches(readme, "nabla train --arch \"([^\"]+)\"[^\n]*(?:\\\n[^\n]*)?")
            .Select(m => (Architecture: m.Groups[1].Value, Augment: System.Text.RegularExpressions.Regex.Match(m.Value, "--augment (\\S+)").Groups[1].Value)).ToArray();
        Assert.True(commands.Length >= 3, $"found {commands.Length} commands");
        string data = TestData.WriteSlice(300, 100);
        try
        {
            foreach (var (architecture, augment) in commands)
            {
                string[] extra = augment.Length > 0 ? ["--augment", augment] : [];
                var (code, _, error) = CliRunner.Run(["train", "--data", data, "--arch", architecture, "--epochs", "1", "--out", Path.Combine(_folder, "readme.nabla"), "--quiet", .. extra]);
                Assert.True(code == 0, $"{architecture}: {error}");
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Standard_scaling_is_applied_once_when_testing_on_the_training_data()
    {
        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");
        LoadedData loaded = DataPreparation.Load(xor, TableSettings.Default, testSplit: 0, seed: 0);
        PreparedData prepared = DataPreparation.Prepare(loaded, TableSettings.Default.Preprocessing, validationSplit: 0, seed: 0);
        Assert.Same(prepared.Train, prepared.Test);
        // a and b are 0, 0, 1, 1 in some order: standardized once they are exactly −1 or +1
        Assert.All(prepared.Train.Features.Span.ToArray(), v => Assert.Equal(1f, MathF.Abs(v), 5));
    }
}
