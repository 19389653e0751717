using System.Text.Json.Nodes;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>Convolutional networks through the command line: --arch, summary, predict, and the errors.</summary>
public sealed class CnnCliTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(400, 100);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-cnn-cli-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public void A_convnet_trains_through_arch_with_keyword_arguments_and_augmentation_then_summarizes_and_predicts()
    {
        string model = Path.Combine(_work, "cnn.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", _data, "--arch", "conv2d(8, 3, padding=same) relu maxpool(2) conv2d(filters=8, kernel=(3, 2), stride=1) batch-norm relu global-avgpool2d",
            "--augment", "shift=1,rotate=5", "--epochs", "2", "--batch-size", "32", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        Assert.InRange((double)JsonNode.Parse(output)!["test_accuracy"]!, 0.0, 1.0);

        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Equal(0, summary.Code);
        Assert.Contains("conv2d_1 (conv2d)", summary.Out);
        Assert.Contains("(None, 8, 28, 28)", summary.Out);
        Assert.Contains("(None, 8, 14, 14)", summary.Out);
        Assert.Contains("(None, 8, 12, 13)", summary.Out);
        Assert.Contains("global-avgpool2d_1", summary.Out);

        var predicted = CliRunner.Run("predict", "--model", model, "--input", Path.Combine(_data, "t10k-images-idx3-ubyte.gz"));
        Assert.True(predicted.Code == 0, predicted.Error);
        Assert.StartsWith("sample  input", predicted.Out);
        Assert.Contains("\n0       ", predicted.Out);
        Assert.Contains("80 more", predicted.Out);
        var evaluated = CliRunner.Run("evaluate", "--model", model, "--data", _data);
        Assert.True(evaluated.Code == 0, evaluated.Error);
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--arch", "conv2d(8, 3) rellu"], "at column 14 ('rellu'): unknown layer 'rellu'" },
        { ["--arch", "conv2d(8, 3, pading=same)"], "conv2d has no argument 'pading'" },
        { ["--arch", "conv2d(8, 3, padding=full)"], "padding must be one of valid, same" },
        { ["--arch", "conv2d(8, 30)"], "30×30 kernel does not fit in a 28×28 input" },
        { ["--arch", "flatten conv2d(8, 3)"], "takes images [batch, channels, height, width]" },
        { ["--augment", "shift=2,zoom=0.1"], "--augment: unknown distortion 'zoom'" },
        { ["--augment", "rotate=200"], "rotate must be a number in [0, 180] degrees" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_architectures_and_augmentations_fail_with_one_line_naming_the_problem(string[] options, string message)
    {
        var (code, _, error) = CliRunner.Run(["train", "--data", _data, "--epochs", "1", "--out", Path.Combine(_work, "bad.nabla"), .. options]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Combine(_work, "bad.nabla")));
    }

    [Fact]
    public void Augmentation_is_refused_for_csv_data()
    {
        var (code, _, error) = CliRunner.Run("train", "--data", Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv"), "--augment", "shift=1", "--out", Path.Combine(_work, "x.nabla"));
        Assert.Equal(2, code);
        Assert.Contains("--augment", error);
        Assert.Contains("CSV", error);
    }
}
