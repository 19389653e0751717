using Nabla.RealWorld;

namespace Nabla.Tests.Testing;

/// <summary>One model trained once per test run the way a user's first command trains it (nabla train on the
/// built-in digits, 3 epochs instead of 10), and a few photo-like pictures of digits to show it.</summary>
internal static class TrainedDigits
{
    private static readonly string s_folder = Directory.CreateTempSubdirectory("nabla-digits-").FullName;

    private static readonly Lazy<string> s_model = new(Train);
    private static readonly Lazy<IReadOnlyList<DigitPhoto>> s_photos = new(() =>
        DigitPhotos.Generate(TestData.Mnist10k.Test, Path.Combine(s_folder, "photos"), 40, seed: 21));

    /// <summary>The model file.</summary>
    public static string Model => s_model.Value;

    /// <summary>40 pictures made by the benchmark's generator (seed 21).</summary>
    public static IReadOnlyList<DigitPhoto> Photos => s_photos.Value;

    private static string Train()
    {
        string path = Path.Combine(s_folder, "digits.nabla");
        var (code, _, error) = CliRunner.Run("train", "--epochs", "3", "--out", path, "--quiet");
        return code == 0 ? path : throw new InvalidOperationException(error);
    }
}
