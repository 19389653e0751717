using Nabla.Data;

namespace Nabla.Tests.Data;

public sealed class CsvLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-csv-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_headers_quotes_semicolons_drops_and_string_targets()
    {
        string path = Write("a.csv", "id;\"width, cm\";height;kind\n1;1.5;2;\"small, round\"\n2;3;4.25;large\n3;5;6;large\n");
        CsvTable table = CsvLoader.Load(path, new CsvOptions { Target = "kind", Drop = ["id"] });
        Assert.Equal(["width, cm", "height"], table.FeatureNames);
        Assert.Equal([1.5f, 2f, 3f, 4.25f, 5f, 6f], table.NumericMatrix());
        Assert.Equal(3, table.Rows);
        Assert.Equal(["small, round", "large", "large"], table.Targets!);
        Assert.Equal(2, table.FirstDataLine);
    }

    [Fact]
    public void Detects_a_missing_header_and_uses_the_last_column_as_target()
    {
        string path = Write("b.csv", "0.5,1,0\n0.25,2,1\n");
        CsvTable table = CsvLoader.Load(path, new CsvOptions());
        Assert.Equal(2, table.Rows);
        Assert.Equal(["column0", "column1"], table.FeatureNames);
        Assert.Equal(["0", "1"], table.Targets!);
    }

    [Fact]
    public void Kaggle_mnist_layout_takes_label_as_target_and_test_files_need_none()
    {
        string train = Write("train.csv", "label,pixel0,pixel1\n7,0,255\n2,128,0\n");
        CsvTable table = CsvLoader.Load(train, new CsvOptions());
        Assert.Equal("label", table.TargetName);
        Assert.Equal(["pixel0", "pixel1"], table.FeatureNames);
        string test = Write("test.csv", "pixel0,pixel1\n0,255\n");
        CsvTable unlabelled = CsvLoader.Load(test, new CsvOptions { TargetRequired = false, FeatureNames = ["pixel0", "pixel1"] });
        Assert.Null(unlabelled.Targets);
        Assert.Equal([0f, 255f], unlabelled.NumericMatrix());
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "ragged", "a,b,t\n1,2,0\n3,0\n", "line 3 has 2 fields" },
        { "infinity", "a,b,t\n1,Infinity,0\n3,4,1\n", "line 2, column 2 ('b'): 'Infinity' is not a finite number" },
        { "empty", "", "empty" },
        { "header-only", "a,b,t\n", "no data rows" },
        { "no-target-at-all", "a,b,t\n1,2,NA\n3,4,\n", "every row's target is missing (2 rows, the first at line 2)" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_name_the_file_line_and_column(string name, string text, string expected)
    {
        string path = Write(name + ".csv", text);
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load(path, new CsvOptions()));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    public static TheoryData<string, string, string> RefusedMissing => new()
    {
        { "text", "a,b,t\n1,2,0\n3,abc,1\n", "line 3, column 2 ('b'): 'abc' is not a number" },
        { "missing-cell", "a,b,t\n1,,0\n", "line 2, column 2 ('b'): is empty" },
        { "missing-marker", "a,b,t\n1,NA,0\n", "line 2, column 2 ('b'): 'NA' is a missing value" },
        { "empty-target", "a,b,t\n1,2,\n", "line 2, column 3 ('t'): the target is empty" },
        { "missing-target", "a,b,t\n1,2,?\n", "line 2, column 3 ('t'): the target is missing ('?')" },
    };

    [Theory]
    [MemberData(nameof(RefusedMissing))]
    public void Strict_reading_refuses_missing_cells_and_text_naming_the_line_and_column(string name, string text, string expected)
    {
        // As --missing error reads a file, and as predict reads a model's numeric columns.
        string path = Write(name + ".csv", text);
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load(path, new CsvOptions { AllowMissing = false, DetectCategorical = false }));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_table_of_text_has_its_header_detected_even_when_the_first_row_is_missing_cells()
    {
        // no column is numbers in the second row, so only the names tell the header (mushroom-like tables, or NA first)
        CsvTable text = CsvLoader.Load(Write("text.csv", "class,cap,odor\np,x,n\ne,b,a\n"), new CsvOptions());
        Assert.Equal(["cap", "odor"], text.FeatureNames);
        Assert.Equal(["p", "e"], text.Targets!);
        CsvTable missing = CsvLoader.Load(Write("na.csv", "size,color,kind\nNA,red,a\n3,blue,b\n"), new CsvOptions());
        Assert.Equal(["size", "color"], missing.FeatureNames);
        Assert.Equal(ColumnKind.Numeric, missing.Columns[0].Kind);
        // a repeated cell under a name means data, not a header
        Assert.Equal(["column0", "column1"], CsvLoader.Load(Write("data.csv", "a,b,c\na,x,y\n"), new CsvOptions()).FeatureNames);
    }

    [Fact]
    public void A_missing_target_column_lists_the_columns()
    {
        string path = Write("c.csv", "a,b\n1,2\n");
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load(path, new CsvOptions { Target = "price" }));
        Assert.Contains("'price' is not a column (columns: a, b)", error.Message);
    }

    [Fact]
    public void Task_detection_and_class_mapping()
    {
        CsvTable Table(string targets) => CsvLoader.Load(Write(Guid.NewGuid() + ".csv", "x,t\n" + string.Join("\n", targets.Split(' ').Select((t, i) => $"{i},{t}")) + "\n"), new CsvOptions());
        Assert.Equal(TaskKind.Binary, Tabular.FromTable(Table("0 1 1 0")).Task);
        Assert.Equal(TaskKind.Classification, Tabular.FromTable(Table("3 1 2 1")).Task);
        Assert.Equal(TaskKind.Classification, Tabular.FromTable(Table("b a c a")).Task);
        Assert.Equal(TaskKind.Regression, Tabular.FromTable(Table("0.5 1.25 3 7")).Task);
        TabularData strings = Tabular.FromTable(Table("b a c a"));
        Assert.Equal(["a", "b", "c"], strings.ClassNames);
        Assert.Equal([1, 0, 2, 0], strings.Labels!);
        TabularData numbers = Tabular.FromTable(Table("10 2 2 10"));
        Assert.Equal(["2", "10"], numbers.ClassNames);
        var unknown = Assert.Throws<DataFormatException>(() => Tabular.FromTable(Table("a b z"), knownClasses: ["a", "b"]));
        Assert.Contains("line 4: label 'z' is not one of the classes the model knows (a, b)", unknown.Message);
    }

    [Fact]
    public void Scalers_fit_on_training_rows()
    {
        float[] rows = [1, 10, 3, 10, 5, 10];
        Scaler standard = Scaler.Fit(ScalingKind.Standard, rows, 2);
        Assert.Equal([3f, 10f], standard.Offset);
        Assert.Equal(1 / Math.Sqrt(8.0 / 3), standard.Scale[0], 5);
        Assert.Equal(1f, standard.Scale[1]); // constant column: not divided by zero
        Scaler minMax = Scaler.Fit(ScalingKind.MinMax, rows, 2);
        float[] copy = (float[])rows.Clone();
        minMax.Apply(copy);
        Assert.Equal([0f, 0f, 0.5f, 0f, 1f, 0f], copy);
    }
}
