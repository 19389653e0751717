using System.Diagnostics;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>
/// The same seed and settings give the same model file bit for bit whatever the number of worker threads: the real
/// CLI in child processes with NABLA_THREADS=1 and 2, on a full batch split into chunks (run on the model and its
/// replica) and on mini-batches (kernels split across the threads).
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
    [InlineData("10", "full")]
    [InlineData("64,10", "100")]
    public void One_thread_and_two_threads_train_the_same_weights(string layers, string batchSize)
    {
        byte[] Train(int threads)
        {
            string output = Path.Combine(_work, $"m{threads}.nabla");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["NABLA_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll"), "train", "--data", _data, "--layers", layers, "--batch-size", batchSize, "--epochs", "3", "--dropout", "0.2", "--out", output, "--quiet" })
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
}
