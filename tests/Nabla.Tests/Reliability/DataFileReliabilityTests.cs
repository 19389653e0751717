using System.Text;
using Nabla.Data;
using Nabla.Fuzz;

namespace Nabla.Tests.Reliability;

/// <summary>Damaged IDX and CSV files: one clear line, and no allocation beyond what the file holds (issue 9).</summary>
public sealed class DataFileReliabilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static DataFormatException Fails(Action load, string path, string expected)
    {
        var error = Assert.Throws<DataFormatException>(load);
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    /// <summary>Managed bytes allocated on this thread by <paramref name="action"/>.</summary>
    private static long Allocated(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            action();
        }
        catch (DataFormatException)
        {
            // The allocation is what is measured here.
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Idx_dimensions_whose_product_overflows_are_a_clear_error()
    {
        byte[] header = Targets.IdxBytes([int.MaxValue, int.MaxValue, int.MaxValue], []);
        string path = Write("images-idx3-ubyte", header);
        Fails(() => IdxReader.Read(path, 3), path, "more values than one array can hold");
        Fails(() => IdxReader.Parse(header, 3, path), path, "more values than one array can hold");
    }

    [Fact]
    public void Idx_files_with_no_images_are_refused_by_the_mnist_loader()
    {
        string images = Write("images-idx3-ubyte", Targets.IdxBytes([0, 28, 28], []));
        string labels = Write("labels-idx1-ubyte", Targets.IdxBytes([0], []));
        Assert.Empty(IdxReader.Read(images, 3).Values);
        Fails(() => Mnist.FromFiles(images, labels), images, "holds no images");
        Fails(() => Mnist.ReadImages(images), images, "holds no images");
        string empty = Write("empty-images", Targets.IdxBytes([3, 0, 28], []));
        Fails(() => Mnist.ReadImages(empty), empty, "holds no images");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_idx_header_declaring_two_billion_labels_allocates_nothing_like_it(bool gzip)
    {
        byte[] header = Targets.IdxBytes([2_000_000_000], []);
        string path = Write(gzip ? "labels-idx1-ubyte.gz" : "labels-idx1-ubyte", gzip ? Mutator.Gzip(header) : header);
        Fails(() => IdxReader.Read(path, 1), path, "truncated");
        Assert.True(Allocated(() => IdxReader.Read(path, 1)) < 4 << 20);
    }

    [Fact]
    public void A_device_is_not_read_as_data()
    {
        Fails(() => IdxReader.Read("/dev/zero", 3), "/dev/zero", "not a regular file");
        Fails(() => CsvLoader.Load("/dev/zero", new CsvOptions()), "/dev/zero", "not a regular file");
    }

    [Fact]
    public void Duplicate_csv_column_names_are_an_error_naming_the_column()
    {
        string path = Write("dup.csv", Encoding.UTF8.GetBytes("a,a,c,d\n1,2,3,x\n4,5,6,y\n"));
        Fails(() => CsvLoader.Load(path, new CsvOptions()), path, "columns 1 and 2 are both named 'a'");
    }

    [Fact]
    public void An_unclosed_quote_is_a_data_format_error_naming_the_line()
    {
        string path = Write("quote.csv", Encoding.UTF8.GetBytes("a,b,c\n1,2,x\n\"3,4,y\n5,6,x\n"));
        Fails(() => CsvLoader.Load(path, new CsvOptions()), path, "line 3: a quoted field has no closing quote");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_ten_megabyte_field_is_a_data_format_error_naming_its_line(int row)
    {
        string big = new('1', 10_000_000);
        string text = row == 1 ? $"a,b\n{big},x\n1,y\n" : $"a,b\n1,x\n{big},y\n";
        string path = Write("big.csv", Encoding.ASCII.GetBytes(text));
        var error = Fails(() => CsvLoader.Load(path, new CsvOptions()), path, $"line {row + 1}: a row longer than");
        Assert.DoesNotContain("MaxBufferSize", error.Message);
    }

    [Fact]
    public void A_wide_header_and_a_million_blank_lines_allocate_what_the_file_holds_and_blank_lines_are_skipped()
    {
        var text = new StringBuilder();
        text.AppendJoin(',', Enumerable.Range(0, 1000).Select(j => $"c{j}")).Append('\n');
        text.Append('\n', 1_000_000);
        text.AppendJoin(',', Enumerable.Range(0, 1000).Select(j => j % 7)).Append('\n');
        string path = Write("blank.csv", Encoding.ASCII.GetBytes(text.ToString()));
        CsvTable table = null!;
        long allocated = Allocated(() => table = CsvLoader.Load(path, new CsvOptions()));
        Assert.Equal(1, table.Rows);
        Assert.Equal(1_000_002, table.LineOf(0));
        Assert.True(allocated < 64 << 20, $"{allocated >> 20} MB");
    }

    [Fact]
    public void A_row_of_200_000_fields_is_refused_before_sylvan_parses_it()
    {
        // Sylvan grows its field table 32 entries at a time: 200,000 fields took seconds, 2,000,000 minutes.
        string path = Write("wide.csv", Encoding.ASCII.GetBytes("a,b\n1,x\n" + string.Concat(Enumerable.Repeat("1,", 200_000)) + "\n"));
        // Counted in bytes, not seconds: growing the table 32 fields at a time allocates gigabytes for such a row.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(() => CsvLoader.Load(path, new CsvOptions()), path, "line 3 has more than 100000 fields");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256L << 20, $"{allocated >> 20} MB");
    }

    [Fact]
    public void Errors_after_blank_lines_name_the_file_line()
    {
        string path = Write("gaps.csv", Encoding.ASCII.GetBytes("a,b\n1,x\n\n  \n3,y\n\n5,\n"));
        Fails(() => CsvLoader.Load(path, new CsvOptions { AllowMissing = false }), path, "line 7, column 2 ('b'): the target is empty");
        CsvTable dropped = CsvLoader.Load(path, new CsvOptions());
        Assert.Equal((2, 1, 7), (dropped.Rows, dropped.MissingTargetRows, dropped.FirstMissingTargetLine));
        string labels = Write("labels.csv", Encoding.ASCII.GetBytes("a,b\n1,x\n\n2,y\n\n3,z\n"));
        CsvTable table = CsvLoader.Load(labels, new CsvOptions());
        var error = Assert.Throws<DataFormatException>(() => Tabular.FromTable(table, TaskKind.Regression));
        Assert.Contains("line 2:", error.Message);
        Assert.Equal([2, 4, 6], table.RowLines);
    }
}
