using System.Text;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Fuzz;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Tests.Data;

/// <summary>Categorical columns and missing cells: read by the CSV loader, fitted on a training part, stored in the model.</summary>
public sealed class PreprocessingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-preprocessing-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_folder, Guid.NewGuid() + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Penguins = "species,island,bill,sex\n" +
        "Adelie,Torgersen,39.1,male\n" +    // line 2
        "Adelie,Torgersen,NA,NA\n" +        // line 3: two missing cells
        "Gentoo,Biscoe,46.1,female\n" +
        "Chinstrap,Dream,?,\n" +            // line 5: two missing cells
        "Gentoo,Biscoe,50,male\n" +
        "NA,Biscoe,41,female\n";            // line 7: missing target, dropped

    [Fact]
    public void Text_columns_are_categorical_missing_cells_are_marked_and_rows_without_a_target_are_dropped()
    {
        CsvTable table = CsvLoader.Load(Write(Penguins), new CsvOptions { Target = "species" });
        Assert.Equal(5, table.Rows);
        Assert.Equal((1, 7), (table.MissingTargetRows, table.FirstMissingTargetLine));
        Assert.Equal(["island", "bill", "sex"], table.FeatureNames);
        CsvColumn island = table.Columns[0], bill = table.Columns[1], sex = table.Columns[2];
        Assert.Equal(ColumnKind.Categorical, island.Kind);
        Assert.Equal(["Torgersen", "Biscoe", "Dream"], island.Levels);
        Assert.Equal([0, 0, 1, 2, 1], island.Codes!);
        Assert.Equal(ColumnKind.Numeric, bill.Kind);
        Assert.Equal([39.1f, float.NaN, 46.1f, float.NaN, 50f], bill.Numbers!);
        Assert.Equal(2, bill.MissingCount);
        Assert.Equal([0, -1, 1, -1, 0], sex.Codes!);
        Assert.Equal(4, table.MissingCells);
    }

    [Fact]
    public void Declared_categorical_codes_and_custom_missing_markers()
    {
        string path = Write("zip,rooms,price\n10115,3,1\n80331,-,2\n10115,4,3\n");
        CsvTable table = CsvLoader.Load(path, new CsvOptions { Categorical = ["zip"], MissingValues = ["-"] });
        Assert.Equal(ColumnKind.Categorical, table.Columns[0].Kind);
        Assert.True(table.Columns[0].Declared);
        Assert.Equal(["10115", "80331"], table.Columns[0].Levels);
        Assert.Equal(1, table.Columns[1].MissingCount);
        // Without the marker, '-' is text in a column of numbers: an error that says what to do.
        var error = Assert.Throws<DataFormatException>(() => CsvLoader.Load(path, new CsvOptions()));
        Assert.Contains("line 3, column 2 ('rooms'): '-' is not a number, but 2 of the column's 3 filled cells are; list it in --missing-values", error.Message);
    }

    [Fact]
    public void A_text_column_whose_first_cells_are_numbers_keeps_its_exact_texts()
    {
        // The loader reads such a column again as categories, so "1.10" is not "1.1".
        CsvTable table = CsvLoader.Load(Write("grade,y\n1.10,0\nA,1\nB,0\n1.1,1\nC,0\n"), new CsvOptions());
        Assert.Equal(ColumnKind.Categorical, table.Columns[0].Kind);
        Assert.Equal(["1.10", "A", "B", "1.1", "C"], table.Columns[0].Levels);
        Assert.Equal(2, table.Columns[0].NumberCells);
        Assert.Equal(3, table.Columns[0].FirstTextLine);
    }

    private static TabularData Data(string text, string target, TaskKind? task = null) => Tabular.FromTable(CsvLoader.Load(WriteStatic(text), new CsvOptions { Target = target }), task);

    private static string WriteStatic(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), "nabla-preprocessing-" + Guid.NewGuid() + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Imputation_and_categories_come_from_the_training_rows_only()
    {
        TabularData data = Data(Penguins, "species");
        int[] train = [0, 1, 2, 4];   // the Dream row (index 3) is held out
        TabularPreprocessor pre = TabularPreprocessor.Fit(data, train, new PreprocessingOptions { Scaling = ScalingKind.None, MissingIndicator = true });
        var bill = Assert.IsType<NumericEncoder>(pre.Columns[1]);
        Assert.Equal(46.1f, bill.Fill);   // median of 39.1, 46.1, 50 (training rows only; 41 is in a dropped row)
        Assert.True(bill.Indicator);
        var island = Assert.IsType<OneHotEncoder>(pre.Columns[0]);
        Assert.Equal(["Biscoe", "Torgersen"], island.Categories);   // sorted, and no Dream
        var sex = Assert.IsType<OneHotEncoder>(pre.Columns[2]);
        Assert.True(sex.HasMissingSlot);
        Assert.Equal(["island=Biscoe", "island=Torgersen", "bill", "bill=missing", "sex=female", "sex=male", "sex=(missing)"], pre.OutputNames);

        float[] held = pre.Transform(data.Table, [3], out TransformReport report);
        // Dream is unseen: no input set (no infrequent input); bill '?' → 46.1 with the indicator; sex '' → (missing).
        Assert.Equal([0f, 0f, 46.1f, 1f, 0f, 0f, 1f], held);
        Assert.Equal(1, report.UnknownCells);
        Assert.Equal(2, report.ImputedCells);
        Assert.Equal(["Dream"], report.UnknownExamples["island"]);
        Assert.Contains("1 cell with a category unseen in training (island 1: 'Dream')", report.Describe());
    }

    [Fact]
    public void Infrequent_categories_share_an_input_that_also_takes_unseen_ones_and_most_frequent_imputation()
    {
        TabularData data = Data("c,y\na,0\na,1\na,0\nb,1\nb,0\nc,1\n,0\nz,1\n", "y");
        TabularPreprocessor pre = TabularPreprocessor.Fit(data, [0, 1, 2, 3, 4, 5, 6], new PreprocessingOptions { MinFrequency = 2, CategoricalImputation = CategoricalImputation.MostFrequent });
        var c = Assert.IsType<OneHotEncoder>(pre.Columns[0]);
        Assert.Equal(["a", "b"], c.Categories);
        Assert.Equal(["c"], c.Infrequent);
        Assert.Equal("a", c.MostFrequent);
        float[] rows = pre.Transform(data.Table, [5, 6, 7], out TransformReport report);
        Assert.Equal([0f, 0f, 1f, /* missing → a */ 1f, 0f, 0f, /* unseen z → infrequent */ 0f, 0f, 1f], rows);
        Assert.Equal((1, 1), (report.ImputedCells, report.UnknownCells));
    }

    [Fact]
    public void Hashing_is_fnv1a_of_the_utf8_text_and_auto_hashes_many_categories()
    {
        // FNV-1a of "a" is 0xE40C292C (Fowler–Noll–Vo reference value).
        Assert.Equal((int)(0xE40C292Cu % 1000u), HashEncoder.Bucket("a", 1000));
        var text = new StringBuilder("id,y\n");
        for (int i = 0; i < 100; i++)
        {
            text.Append($"k{i},{i % 2}\n");
        }

        TabularData data = Data(text.ToString(), "y");
        int[] all = Enumerable.Range(0, 100).ToArray();
        TabularPreprocessor pre = TabularPreprocessor.Fit(data, all, new PreprocessingOptions { MaxOneHotCategories = 50, HashBuckets = 8 });
        var hashed = Assert.IsType<HashEncoder>(pre.Columns[0]);
        Assert.Equal((8, 100), (hashed.Width, hashed.CategoriesInTraining));
        float[] row = pre.Transform(data.Table, [7], out _);
        Assert.Equal(1f, row[HashEncoder.Bucket("k7", 8)]);
        Assert.Equal(1f, row.Sum());
    }

    [Fact]
    public void Scaling_touches_numeric_inputs_only_and_regression_targets_are_standardized_with_training_statistics()
    {
        TabularData data = Data("x,c,y\n1,a,10\n2,b,20\n3,a,30\n100,b,1000\n", "y", TaskKind.Regression);
        TabularPreprocessor pre = TabularPreprocessor.Fit(data, [0, 1, 2], new PreprocessingOptions());
        Assert.Equal([2f, 0f, 0f], pre.Scaler.Offset);
        Assert.Equal([1f, 1f], pre.Scaler.Scale[1..]);
        Assert.Equal(20, pre.TargetMean, 6);
        Assert.Equal(Math.Sqrt(200.0 / 3), pre.TargetStd, 6);
        Dataset test = pre.ToDataset(data, [3], out _);
        Assert.Equal((1000 - 20) / Math.Sqrt(200.0 / 3), test.Targets[0], 3);
        float[] features = test.Features.Span.ToArray();
        Assert.Equal((100 - 2) / Math.Sqrt(2.0 / 3), features[0], 3);
        Assert.Equal([0f, 1f], features[1..]);
    }

    private (Sequential, ModelMetadata) Model()
    {
        TabularData data = Data(Penguins, "species");
        TabularPreprocessor pre = TabularPreprocessor.Fit(data, [0, 1, 2, 3, 4], new PreprocessingOptions { MissingIndicator = true, MinFrequency = 2 });
        var model = new Sequential(pre.OutputWidth).Add(new Dense(4)).Add(new ReLU()).Add(new Dense(3));
        model.Initialize(seed: 1);
        model.OutputTransform = OutputTransform.Softmax;
        return (model, new ModelMetadata(data.ClassNames, 1f, "cross-entropy") { Preprocessor = pre, Scaler = pre.Scaler, FeatureNames = pre.InputNames, TargetName = "species" });
    }

    [Fact]
    public void The_preprocessing_round_trips_through_the_model_file()
    {
        var (model, metadata) = Model();
        string path = Path.Combine(_folder, "p.nabla");
        ModelFile.Save(path, model, metadata);
        var (_, loaded) = ModelFile.Load(path);
        TabularPreprocessor a = metadata.Preprocessor!, b = loaded.Preprocessor!;
        Assert.Equal(a.OutputNames, b.OutputNames);
        Assert.Equal(a.Describe(), b.Describe());
        Assert.Equal(a.MissingValues, b.MissingValues);
        Assert.Equal(["island", "bill", "sex"], loaded.FeatureNames);
        CsvTable table = CsvLoader.Load(Write(Penguins), new CsvOptions { Target = "species" });
        Assert.Equal(a.Transform(table, out _).Span.ToArray(), b.Transform(table, out _).Span.ToArray());
        // Saved again, the file is byte for byte the same.
        string again = Path.Combine(_folder, "again.nabla");
        ModelFile.Save(again, model, loaded);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "kind", "kind 'text' is not numeric or categorical" },
        { "fill", "fill \"x\" is not a finite number" },
        { "width", "the columns make more than the model's" },
        { "duplicate-category", "lists the category 'Biscoe' twice" },
        { "names", "feature_names do not match" },
        { "buckets", "buckets 0 is not a whole number in [1, 65536]" },
        { "missing-key", "has no missing_slot" },
        { "not-json", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damaged_preprocessing_behind_the_checksum_is_one_line_naming_the_column(string damage, string expected)
    {
        var (model, metadata) = Model();
        string path = Path.Combine(_folder, "d.nabla");
        ModelFile.Save(path, model, metadata);
        var (header, data) = Mutator.SplitModel(File.ReadAllBytes(path));
        JsonObject root = JsonNode.Parse(header)!.AsObject();
        JsonObject meta = root["__metadata__"]!.AsObject();
        JsonObject pre = JsonNode.Parse((string)meta["preprocessing"]!)!.AsObject();
        JsonArray columns = pre["columns"]!.AsArray();
        switch (damage)
        {
            case "kind":
                columns[1]!["kind"] = "text";
                break;
            case "fill":
                columns[1]!["fill"] = "x";
                break;
            case "width":
                columns[0]!["categories"]!.AsArray().Add("Elsewhere");
                break;
            case "duplicate-category":
                columns[0]!["categories"] = new JsonArray("Biscoe", "Biscoe");
                break;
            case "names":
                meta["feature_names"] = "[\"island\",\"beak\",\"sex\"]";
                break;
            case "buckets":
                columns[0] = new JsonObject { ["name"] = "island", ["missing"] = 0, ["kind"] = "categorical", ["encoding"] = "hash", ["impute"] = "missing", ["buckets"] = 0, ["missing_slot"] = false, ["most_frequent_bucket"] = null, ["categories_in_training"] = 3 };
                break;
            case "missing-key":
                columns[2]!.AsObject().Remove("missing_slot");
                break;
        }

        meta["preprocessing"] = damage == "not-json" ? "{\"columns\":[" : pre.ToJsonString();
        File.WriteAllBytes(path, Mutator.JoinModel(Encoding.UTF8.GetBytes(root.ToJsonString()), data, resealHeader: true, resealData: true));
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(expected, error.Message);
    }
}
