using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;

namespace Nabla.Tests;

/// <summary>The README's library example, compiled and run (on a slice, one epoch), so it cannot rot.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void The_ten_line_example_runs_from_any_folder()
    {
        // As in the README, with 2,000 digits and one epoch: the built-in digits come from the library itself.
        string path = Path.Combine(Path.GetTempPath(), $"readme-{Environment.ProcessId}.nabla");
        var (train, test) = Mnist.LoadBuiltIn();
        (train, test) = (train.Take(2000), test.Take(500));
        var model = new Sequential(1, 28, 28) { new Flatten(), new Dense(128), new ReLU(), new Dense(10) };
        model.Compile("cross-entropy", "adam", seed: 0);
        model.Fit(train, epochs: 1, batchSize: 64, validationSplit: 0.1);
        Assert.True(model.Evaluate(test).Accuracy > 0.7);
        Assert.Contains("dense", model.Summary(), StringComparison.OrdinalIgnoreCase);
        model.Save(path);

        var loaded = Sequential.Load(path);
        Assert.Equal(ImageStyle.Mnist, loaded.Metadata.ImageStyle);
        float[] seven = ImagePreprocessor.Prepare(Photo(test, 0), [], 120, 90, loaded.Metadata.ImageStyle!, 28, 28).Select(v => v * Mnist.PixelScale).ToArray();
        Assert.Equal("7", loaded.PredictClassName(seven));
        File.Delete(path);
    }

    /// <summary>Test digit <paramref name="index"/> drawn three times larger, dark on white, at (10, 2) of a 120×90 picture.</summary>
    private static byte[] Photo(Dataset test, int index)
    {
        float[] digit = new float[784];
        test.CopyFeatures([index], digit);
        var picture = Enumerable.Repeat((byte)255, 120 * 90).ToArray();
        for (int y = 0; y < 84; y++)
        {
            for (int x = 0; x < 84; x++)
            {
                picture[(y + 2) * 120 + x + 10] = (byte)(255 - Math.Round(digit[y / 3 * 28 + x / 3] * 255));
            }
        }

        return picture;
    }
}
