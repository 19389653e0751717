using System.Diagnostics;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>
/// The same seed and settings give the same model file bit for bit whatever the number of worker threads: the real
/// CLI in child processes with NABLA_THREADS=1 and 2, on a full batch split into chunks (run on the model and its
/// replica) and on mini-batches (kernels split across the threads), for dense and convolutional networks (whose
/// samples are split over the threads in fixed slices), with augmentation, and for recurrent networks (rows split at
/// tile boundaries) on image rows and on a character model.
/// </summary>
public sealed class ThreadCountTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(1200, 50);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-threads-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Theory]
    [InlineData("--layers|10|--batch-size|full")]
    [InlineData("--layers|64,10|--batch-size|100")]
    [InlineData("--arch|conv2d(4, 3) relu maxpool(2) flatten|--batch-size|full")]
    [InlineData("--arch|conv2d(4, 3) relu maxpool(2) conv2d(6, 3, padding=same) batch-norm relu flatten dropout(0.2)|--batch-size|100|--augment|shift=2,rotate=10,scale=0.1")]
    [InlineData("--arch|reshape(28,28) lstm(32)|--batch-size|full")]
    [InlineData("--arch|reshape(28,28) gru(48, return_sequences=true) simple-rnn(16, truncate=7)|--batch-size|64")]
    [InlineData("--task|text|--arch|embedding(8) lstm(40, return_sequences=true)|--batch-size|32")]
    public void One_thread_and_two_threads_train_the_same_weights(string settings)
    {
        string data = settings.Contains("--task|text", StringComparison.Ordinal) ? Words() : _data;
        byte[] Train(int threads)
        {
            string output = Path.Combine(_work, $"m{threads}.nabla");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["NABLA_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string[] dropout = settings.Contains("--arch", StringComparison.Ordinal) ? [] : ["--dropout", "0.2"];
            foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll"), "train", "--data", data, "--epochs", "3", "--out", output, "--quiet" }.Concat(settings.Split('|')).Concat(dropout))
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, errors);
            return File.ReadAllBytes(output);
        }

        Assert.Equal(Train(1), Train(2));
    }

    /// <summary>600 made-up words for a character model.</summary>
    private string Words()
    {
        var random = new Random(4);
        string path = Path.Combine(_work, "words.txt");
        File.WriteAllLines(path, Enumerable.Range(0, 600).Select(_ => new string(Enumerable.Range(0, 3 + random.Next(8)).Select(_ => (char)('a' + random.Next(12))).ToArray())));
        return path;
    }
}
