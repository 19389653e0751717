using Nabla.Data;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Reads_the_bundled_digits_with_known_labels_and_counts()
    {
        var (train, test) = TestData.Mnist10k;
        Assert.Equal(10_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], train.RequireLabels()[..10]);
        Assert.Equal(1135, test.RequireLabels().Count(l => l == 1));
        // the floats of a copy: this test leaves the shared training set compact (tests of the byte paths train on it;
        // training stays right when another test expands it: DatasetTests)
        Tensor features = train.Take(train.Count).Features;
        Assert.Equal(784, features.RowLength);
        Assert.InRange(features.Span.ToArray().Max(), 0.99f, 1f);
    }

    [Fact]
    public void Raw_and_gzip_files_read_the_same_and_any_count_works()
    {
        byte[] values = Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(i * 20)).ToArray();
        string raw = Path.Combine(_folder, "raw"), zipped = Path.Combine(_folder, "zipped.gz");
        TestData.WriteIdx(raw, [3, 2, 2], values, gzip: false);
        TestData.WriteIdx(zipped, [3, 2, 2], values, gzip: true);
        Assert.Equal(Mnist.ReadImages(raw).Span.ToArray(), Mnist.ReadImages(zipped).Span.ToArray());
        Assert.Equal(3, Mnist.ReadImages(raw).Rows);
    }

    [Fact]
    public void Bad_files_name_the_file_and_the_problem()
    {
        string truncated = Path.Combine(_folder, "truncated");
        TestData.WriteIdx(truncated, [3, 2, 2], new byte[12], gzip: false);
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..^3]);
        Assert.Contains("truncated", Assert.Throws<DataFormatException>(() => Mnist.ReadImages(truncated)).Message);

        string labels = Path.Combine(_folder, "labels");
        TestData.WriteIdx(labels, [4], new byte[4], gzip: false);
        var rankError = Assert.Throws<DataFormatException>(() => Mnist.ReadImages(labels));
        Assert.Contains(labels, rankError.Message);
        Assert.Contains("1 dimensions", rankError.Message);

        string text = Path.Combine(_folder, "text");
        File.WriteAllText(text, "hello, world");
        Assert.Contains("not an IDX file", Assert.Throws<DataFormatException>(() => Mnist.ReadImages(text)).Message);

        string badZip = Path.Combine(_folder, "bad.gz");
        File.WriteAllBytes(badZip, [0x1f, 0x8b, 8, 0, 1, 2, 3]);
        Assert.Contains("gzip", Assert.Throws<DataFormatException>(() => Mnist.ReadImages(badZip)).Message);

        Assert.Contains("no such folder", Assert.Throws<DataFormatException>(() => Mnist.LoadFolder(Path.Combine(_folder, "nope"))).Message);
    }
}
