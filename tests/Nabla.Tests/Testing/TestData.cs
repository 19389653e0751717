using System.Buffers.Binary;
using System.IO.Compression;
using Nabla.Data;

namespace Nabla.Tests.Testing;

/// <summary>Small slices of the bundled mnist-10k, and a temporary MNIST-layout folder holding them.</summary>
internal static class TestData
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_mnist = new(() => Mnist.LoadFolder(MnistFolder));

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "data", "mnist-10k")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("data/mnist-10k not found above the test binaries.");
        }
    }

    public static string MnistFolder => Path.Combine(RepositoryRoot, "data", "mnist-10k");

    public static (Dataset Train, Dataset Test) Mnist10k => s_mnist.Value;

    /// <summary>A new temporary folder in the MNIST layout with the first <paramref name="trainCount"/> training and
    /// <paramref name="testCount"/> test digits (raw bytes reconstructed from the [0, 1] pixels).</summary>
    public static string WriteSlice(int trainCount, int testCount)
    {
        string folder = Directory.CreateTempSubdirectory("nabla-test-").FullName;
        var (train, test) = Mnist10k;
        WriteSplit(folder, "train", train.Take(trainCount));
        WriteSplit(folder, "t10k", test.Take(testCount));
        return folder;
    }

    private static void WriteSplit(string folder, string prefix, Dataset data)
    {
        byte[] pixels = data.Features.Span.ToArray().Select(v => (byte)Math.Round(v * 255)).ToArray();
        WriteIdx(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), [data.Count, 28, 28], pixels, gzip: true);
        WriteIdx(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), [data.Count], data.RequireLabels().Select(l => (byte)l).ToArray(), gzip: false);
    }

    public static void WriteIdx(string path, int[] dimensions, byte[] values, bool gzip)
    {
        using var buffer = new MemoryStream();
        buffer.Write([0, 0, 8, (byte)dimensions.Length]);
        Span<byte> size = stackalloc byte[4];
        foreach (int d in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(size, d);
            buffer.Write(size);
        }

        buffer.Write(values);
        using var file = File.Create(path);
        if (gzip)
        {
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            buffer.WriteTo(zip);
        }
        else
        {
            buffer.WriteTo(file);
        }
    }
}
