using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Nabla.Data;
using Nabla.Fuzz;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Reliability;

/// <summary><c>nabla predict</c> on hostile images: one line and exit 2, in bounded time and memory (issue 9).</summary>
public sealed class ImageInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-image-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Runs <c>nabla predict</c> on <paramref name="image"/> with a 784-input model; a hang guard of 60 s (not a
    /// speed test: a slow first run on a busy machine must not fail it).</summary>
    private (int Code, string Out, string Error) Predict(string image)
    {
        string model = Path.Combine(_folder, "digits.nabla");
        if (!File.Exists(model))
        {
            var network = new Sequential(784).Add(new Dense(10));
            network.Initialize(seed: 1);
            network.OutputTransform = OutputTransform.Softmax;
            ModelFile.Save(model, network, new ModelMetadata([.. Enumerable.Range(0, 10).Select(i => $"{i}")], Mnist.PixelScale, "cross-entropy"));
        }

        var run = Task.Run(() => CliRunner.Run("predict", "--model", model, "--input", image));
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "predict did not finish in 60 s: a hang?");
        return run.Result;
    }

    private void Refused(string image, string expected)
    {
        var (code, output, error) = Predict(image);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"nabla: error: {image}: ", error);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    /// <summary>A PNG with valid chunks declaring <paramref name="width"/>×<paramref name="height"/> grey pixels, its
    /// IDAT holding <paramref name="rows"/> zero rows (so it is small whatever it declares).</summary>
    private static byte[] Png(int width, int height, int rows)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        Chunk(output, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[(long)rows * (width + 1)]);
        }

        Chunk(output, "IDAT", raw.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        output.Write(word);
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. body];
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Mutator.Crc32(typed));
        output.Write(word);
    }

    [Fact]
    public void Valid_png_jpeg_and_bmp_images_are_predicted()
    {
        foreach (var (name, bytes) in new[]
        {
            ("a.png", Png(30, 20, 20)),
            ("b.jpg", Targets.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 40, 30, gray: false)),
            ("c.bmp", Targets.Bmp(9, 7)),
        })
        {
            var (code, output, error) = Predict(Write(name, bytes));
            Assert.True(code == 0, error);
            Assert.Matches(@"^sample +input +class +probability +next best\n0 +\S+" + Regex.Escape(name) + @" +\d ", output.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public void A_png_declaring_30000_by_30000_pixels_is_refused_before_decoding()
    {
        string path = Write("huge.png", Png(30000, 30000, 1));
        Assert.True(new FileInfo(path).Length < 2000);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Refused(path, "30000×30000 pixels, more than the 50 megapixels");
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20);
    }

    [Fact]
    public void A_truncated_jpeg_is_an_error_not_a_prediction()
    {
        byte[] jpeg = Targets.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 64, 64, gray: true);
        Refused(Write("cut.jpg", jpeg[..(jpeg.Length * 2 / 3)]), "truncated");
    }

    [Fact]
    public void A_truncated_png_or_bmp_and_a_non_image_are_errors()
    {
        byte[] png = Png(30, 20, 20);
        Refused(Write("cut.png", png[..^20]), "truncated");
        byte[] bmp = Targets.Bmp(9, 7);
        Refused(Write("cut.bmp", bmp[..^10]), "truncated");
        Refused(Write("text.png", "not an image"u8.ToArray()), "not a PNG, JPEG or BMP image");
        png[40] ^= 1;
        Refused(Write("flipped.png", png), "CRC mismatch");
    }

    [Fact]
    public void A_jpeg_start_marker_and_random_bytes_end_quickly()
    {
        // An APP1 segment whose length runs past the end: StbImageSharp's end test never became true there, and the
        // decoder looped at full CPU for ever.
        var random = new Random(127);
        for (int i = 0; i < 16; i++)
        {
            byte[] bytes = new byte[302];
            random.NextBytes(bytes);
            bytes[0] = 0xff;
            bytes[1] = 0xd8;
            bytes[2] = 0xff;
            bytes[3] = (byte)(0xe0 + i % 16);
            string path = Write($"noise{i}.jpg", bytes);
            Refused(path, "JPEG");
        }
    }
}
