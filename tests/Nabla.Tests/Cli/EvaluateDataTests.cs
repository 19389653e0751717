using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla evaluate</c> on the right data: the model's record of what it was trained on (issue 15).</summary>
public sealed class EvaluateDataTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Train(string data, params string[] more)
    {
        string model = Path.Combine(_work, $"m{Directory.GetFiles(_work, "*.nabla").Length}.nabla");
        var (code, _, error) = CliRunner.Run(["train", "--data", data, "--layers", "16", "--epochs", "2", "--out", model, "--quiet", .. more]);
        Assert.True(code == 0, error);
        return model;
    }

    private static JsonNode Json(string output) => JsonNode.Parse(output)!;

    [Fact]
    public void Without_data_a_folder_model_is_evaluated_on_its_own_test_images_and_refused_when_they_are_gone_or_changed()
    {
        // Not the built-in digits: a model trained elsewhere (Fashion-MNIST in the issue) used to score them silently.
        string folder = TestData.WriteSlice(600, 150);
        try
        {
            string model = Train(folder);
            var own = CliRunner.Run("evaluate", "--model", model, "--json");
            Assert.True(own.Code == 0, own.Error);
            Assert.Equal(150, (int)Json(own.Out)["samples"]!);
            Assert.Contains(Path.GetFullPath(folder), (string)Json(own.Out)["data"]!);
            Assert.False((bool)Json(own.Out)["includes_training_rows"]!);
            var given = CliRunner.Run("evaluate", "--model", model, "--data", folder, "--json");
            Assert.Equal((double)Json(given.Out)["accuracy"]!, (double)Json(own.Out)["accuracy"]!);

            // Other test images in the same place: refused, not scored.
            string other = TestData.WriteSlice(10, 120);
            foreach (string file in Directory.GetFiles(other, "t10k-*"))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
            }

            Directory.Delete(other, recursive: true);
            var changed = CliRunner.Run("evaluate", "--model", model);
            Assert.Equal(2, changed.Code);
            Assert.Contains("have changed since", changed.Error);

            Directory.Delete(folder, recursive: true);
            var gone = CliRunner.Run("evaluate", "--model", model);
            Assert.Equal(2, gone.Code);
            Assert.Contains("which is not there any more; give --data", gone.Error);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public void A_model_that_does_not_say_what_it_was_trained_on_is_refused_without_data()
    {
        string model = Path.Combine(_work, "old.nabla");
        var network = new Sequential(784).Add(new Dense(10));
        network.Initialize(seed: 0);
        network.OutputTransform = OutputTransform.Softmax;
        ModelFile.Save(model, network, new ModelMetadata([.. Enumerable.Range(0, 10).Select(i => $"{i}")], Nabla.Data.Mnist.PixelScale, "cross-entropy"));
        var (code, output, error) = CliRunner.Run("evaluate", "--model", model);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("does not record the data it was trained on", error);
    }

    [Fact]
    public void A_model_with_fewer_classes_than_the_data_has_is_an_error()
    {
        string folder = TestData.WriteSlice(20, 50);
        try
        {
            string model = Path.Combine(_work, "four.nabla");
            var network = new Sequential(1, 28, 28) { new Flatten(), new Dense(4) };
            network.Initialize(seed: 0);
            network.OutputTransform = OutputTransform.Softmax;
            ModelFile.Save(model, network, new ModelMetadata(["0", "1", "2", "3"], Nabla.Data.Mnist.PixelScale, "cross-entropy"));
            var (code, _, error) = CliRunner.Run("evaluate", "--model", model, "--data", folder);
            Assert.Equal(2, code);
            Assert.Contains("labels go up to 9 but the model", error);
            Assert.Contains("knows 4 classes", error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_csv_model_is_evaluated_on_its_held_out_rows_and_told_when_given_its_training_file()
    {
        var random = new Random(3);
        var text = new StringBuilder("width,height,kind\n");
        for (int i = 0; i < 150; i++)
        {
            double w = random.NextDouble() * 10, h = random.NextDouble() * 10;
            text.Append(CultureInfo.InvariantCulture, $"{w:F3},{h:F3},{(w > h ? "wide" : "tall")}\n");
        }

        string csv = Path.Combine(_work, "boxes.csv");
        File.WriteAllText(csv, text.ToString());
        string model = Train(csv, "--lr", "0.02");

        var own = CliRunner.Run("evaluate", "--model", model, "--json");
        Assert.True(own.Code == 0, own.Error);
        Assert.Equal(30, (int)Json(own.Out)["samples"]!);
        Assert.Contains("held-out test rows", (string)Json(own.Out)["data"]!);
        Assert.Equal("", own.Error);

        var training = CliRunner.Run("evaluate", "--model", model, "--data", csv, "--json");
        Assert.Equal(0, training.Code);
        Assert.Equal(150, (int)Json(training.Out)["samples"]!);
        Assert.True((bool)Json(training.Out)["includes_training_rows"]!);
        Assert.Contains("include the 120 training rows", training.Error);
        Assert.Single(training.Error.TrimEnd().Split('\n'));

        File.AppendAllText(csv, "1.000,2.000,tall\n");
        var changed = CliRunner.Run("evaluate", "--model", model);
        Assert.Equal(2, changed.Code);
        Assert.Contains("has changed since", changed.Error);

        string noSplit = Train(csv, "--test-split", "0");
        var none = CliRunner.Run("evaluate", "--model", noSplit);
        Assert.Equal(2, none.Code);
        Assert.Contains("--test-split 0", none.Error);
    }
}
