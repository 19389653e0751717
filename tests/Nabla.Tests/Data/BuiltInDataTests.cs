using System.Diagnostics;
using System.IO.Compression;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Data;

/// <summary>The built-in digits travel inside the library: the same data as data/mnist-10k, read from streams, and
/// nabla train works from a folder that has no data/ (issue 15).</summary>
public sealed class BuiltInDataTests
{
    [Fact]
    public void The_built_in_digits_are_data_mnist_10k()
    {
        var (train, test) = Mnist.LoadBuiltIn();
        Assert.Equal(TestData.Mnist10k.Train.Fingerprint(), train.Fingerprint());
        Assert.Equal(TestData.Mnist10k.Test.Fingerprint(), test.Fingerprint());
        Assert.Equal(new Nabla.Tensors.Shape(1, 28, 28), train.SampleShape);
        Assert.Throws<DataFormatException>(() => Mnist.LoadBuiltIn("validation"));
    }

    [Fact]
    public void Idx_data_is_read_from_a_stream_raw_or_gzipped_with_the_file_checks()
    {
        byte[] raw = [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9];
        using var gzipped = new MemoryStream();
        using (var zip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(raw);
        }

        foreach (byte[] bytes in new[] { raw, gzipped.ToArray() })
        {
            using var stream = new MemoryStream([42, .. bytes]) { Position = 1 };
            IdxReader.IdxData data = IdxReader.Read(stream, "in-memory", 1);
            Assert.Equal([3], data.Dimensions);
            Assert.Equal([7, 8, 9], data.Values);
            Assert.True(stream.CanRead, "the stream stays open");
        }

        using var truncated = new MemoryStream(raw[..^1]);
        Assert.Contains("in-memory: truncated", Assert.Throws<DataFormatException>(() => IdxReader.Read(truncated, "in-memory", 1)).Message);
    }

    [Fact]
    public void Fingerprints_tell_data_apart_and_survive_expansion()
    {
        var (train, test) = TestData.Mnist10k;
        Dataset slice = test.Take(100);
        string before = slice.Fingerprint();
        _ = slice.Features;
        Assert.Equal(before, slice.Fingerprint());
        Assert.NotEqual(before, test.Take(101).Fingerprint());
        Assert.NotEqual(train.Take(100).Fingerprint(), before);
        Dataset floats = Dataset.FromArrays(new float[,] { { 1, 2 }, { 3, 4 } }, [0, 1]);
        Assert.NotEqual(floats.Fingerprint(), Dataset.FromArrays(new float[,] { { 1, 2 }, { 3, 4 } }, [1, 0]).Fingerprint());
    }

    [Fact]
    public void Nabla_train_runs_from_a_folder_without_data_and_records_the_built_in_digits()
    {
        // The real CLI in a child process whose working folder has no data/mnist-10k above it.
        string folder = Directory.CreateTempSubdirectory("nabla-elsewhere-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll"), "train", "--epochs", "1", "--layers", "16" })
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd(), error = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "nabla train did not finish in 2 minutes");
            Assert.True(process.ExitCode == 0, error);
            Assert.Contains("on 10000 samples of the built-in digits (mnist-10k)", output);
            var (_, metadata) = ModelFile.Load(Path.Combine(folder, "model.nabla"));
            Assert.Equal(TrainingDataRecord.BuiltIn, metadata.TrainingData!.Kind);
            Assert.Equal(TestData.Mnist10k.Test.Fingerprint(), metadata.TrainingData.TestSha256);
            Assert.Equal(ImageStyle.Mnist, metadata.ImageStyle);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
