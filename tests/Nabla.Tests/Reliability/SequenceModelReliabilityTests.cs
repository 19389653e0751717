using System.Text;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Fuzz;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Tests.Reliability;

/// <summary>Damaged forecasting and language models (resealed, so only the loader's checks can catch the damage): each
/// fails with one line naming the file and the problem, never loads as something predict or generate would trip on.</summary>
public sealed class SequenceModelReliabilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-sequence-reliability-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Forecast()
    {
        var model = new Sequential(6, 2).Add(new Gru(4)).Add(new Dense(2));
        model.Initialize(seed: 4);
        string path = Path.Combine(_folder, "forecast.nabla");
        ModelFile.Save(path, model, new ModelMetadata([], 1f, "mse")
        {
            Task = TaskKind.Regression,
            TargetName = "sales",
            Scaler = new Scaler(ScalingKind.Standard, new float[12], Enumerable.Repeat(0.5f, 12).ToArray()),
            Forecast = new ForecastSettings(6, 2, 3, ["sales", "price"], "date"),
        });
        return path;
    }

    private string Text()
    {
        var model = new Sequential(5).Add(new Embedding(4, 3)).Add(new Lstm(4, returnSequences: true)).Add(new Dense(4));
        model.Initialize(seed: 5);
        model.OutputTransform = OutputTransform.Softmax;
        string path = Path.Combine(_folder, "text.nabla");
        ModelFile.Save(path, model, new ModelMetadata(["\n", "a", "b", "c"], 1f, "sparse-cross-entropy") { Task = TaskKind.Text });
        return path;
    }

    /// <summary>Edits the header of the file at <paramref name="path"/> and reseals both checksums.</summary>
    private static void Edit(string path, Action<JsonObject, JsonObject, JsonArray> edit)
    {
        var (header, data) = Mutator.SplitModel(File.ReadAllBytes(path));
        JsonObject root = JsonNode.Parse(header)!.AsObject();
        JsonObject meta = root["__metadata__"]!.AsObject();
        JsonArray architecture = JsonNode.Parse((string)meta["architecture"]!)!.AsArray();
        edit(root, meta, architecture);
        meta["architecture"] = architecture.ToJsonString();
        File.WriteAllBytes(path, Mutator.JoinModel(Encoding.UTF8.GetBytes(root.ToJsonString()), data, resealHeader: true, resealData: true));
    }

    private static string LoadFails(string path)
    {
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }

    [Fact]
    public void Both_kinds_load_as_saved()
    {
        var (_, forecast) = ModelFile.Load(Forecast());
        Assert.Equal(new ForecastSettings(6, 2, 3, forecast.Forecast!.Columns, "date"), forecast.Forecast);
        Assert.Equal(["sales", "price"], forecast.Forecast.Columns);
        var (model, text) = ModelFile.Load(Text());
        Assert.Equal(TaskKind.Text, text.Task);
        Assert.Equal(2, new TextGenerator(model, text.ClassNames).Sample(2, 0.8f, "a").Count);
    }

    public static TheoryData<string, string, string> ForecastDamage => new()
    {
        { "not-json", "{\"window\":", "not valid JSON" },
        { "a-list", "[6,2,3]", "not an object" },
        { "window-zero", """{"window":0,"horizon":2,"season":3,"columns":["sales","price"],"date_column":"date"}""", "window" },
        { "window-text", """{"window":"6","horizon":2,"season":3,"columns":["sales","price"],"date_column":"date"}""", "window" },
        { "horizon-missing", """{"window":6,"season":3,"columns":["sales","price"],"date_column":"date"}""", "horizon" },
        { "season-negative", """{"window":6,"horizon":2,"season":-1,"columns":["sales","price"],"date_column":"date"}""", "season" },
        { "season-fraction", """{"window":6,"horizon":2,"season":1.5,"columns":["sales","price"],"date_column":"date"}""", "season" },
        { "no-columns", """{"window":6,"horizon":2,"season":3,"columns":[],"date_column":"date"}""", "columns" },
        { "column-twice", """{"window":6,"horizon":2,"season":3,"columns":["sales","sales"],"date_column":"date"}""", "named twice" },
        { "column-number", """{"window":6,"horizon":2,"season":3,"columns":["sales",7],"date_column":"date"}""", "not a name" },
        { "date-is-a-column", """{"window":6,"horizon":2,"season":3,"columns":["sales","price"],"date_column":"price"}""", "date_column" },
        { "date-number", """{"window":6,"horizon":2,"season":3,"columns":["sales","price"],"date_column":1}""", "date_column" },
        { "unknown-field", """{"window":6,"horizon":2,"season":3,"columns":["sales","price"],"date_column":null,"lag":1}""", "unknown field" },
        { "window-not-the-models", """{"window":5,"horizon":2,"season":3,"columns":["sales","price"],"date_column":"date"}""", "[6, 2]" },
        { "horizon-not-the-models", """{"window":6,"horizon":3,"season":3,"columns":["sales","price"],"date_column":"date"}""", "[6, 2]" },
        { "one-column-too-few", """{"window":6,"horizon":2,"season":3,"columns":["sales"],"date_column":"date"}""", "[6, 2]" },
    };

    [Theory]
    [MemberData(nameof(ForecastDamage))]
    public void Damaged_forecast_settings_are_one_line_naming_the_problem(string damage, string value, string expected)
    {
        string path = Forecast();
        Edit(path, (_, meta, _) => meta["forecast"] = value);
        Assert.Contains(expected, LoadFails(path), StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(damage);
    }

    [Fact]
    public void Forecast_settings_on_a_classifier_are_refused()
    {
        string path = Forecast();
        Edit(path, (_, meta, _) => meta["task"] = "binary");
        Assert.Contains("class names", LoadFails(path));   // caught first by the task's own check
        path = Forecast();
        Edit(path, (_, meta, _) => meta["forecast"] = """{"window":6,"horizon":2,"season":0,"columns":["sales","price"],"date_column":null}""");
        Assert.Null(ModelFile.Load(path).Metadata.Forecast!.DateColumn);
    }

    public static TheoryData<string, string> TextDamage => new()
    {
        { "boundary-missing", "line boundary" },
        { "two-characters", "not one character" },
        { "a-character-twice", "twice" },
        { "empty-token", "not one character" },
        { "one-name-too-few", "class names" },
        { "task-typo", "task" },
        { "huge-units", "weights" },
        { "huge-vocabulary", "weights" },
    };

    [Theory]
    [MemberData(nameof(TextDamage))]
    public void A_damaged_language_model_is_one_line_naming_the_problem(string damage, string expected)
    {
        string path = Text();
        Edit(path, (_, meta, architecture) =>
        {
            switch (damage)
            {
                case "boundary-missing":
                    meta["class_names"] = "[\"x\",\"a\",\"b\",\"c\"]";
                    break;
                case "two-characters":
                    meta["class_names"] = "[\"\\n\",\"a\",\"bb\",\"c\"]";
                    break;
                case "a-character-twice":
                    meta["class_names"] = "[\"\\n\",\"a\",\"a\",\"c\"]";
                    break;
                case "empty-token":
                    meta["class_names"] = "[\"\\n\",\"a\",\"\",\"c\"]";
                    break;
                case "one-name-too-few":
                    meta["class_names"] = "[\"\\n\",\"a\",\"b\"]";
                    break;
                case "task-typo":
                    meta["task"] = "texts";
                    break;
                case "huge-units":
                    architecture[1]!["settings"]!["units"] = "600000000";
                    break;
                case "huge-vocabulary":
                    architecture[0]!["settings"]!["vocabulary"] = "2000000000";
                    break;
            }
        });
        Assert.Contains(expected, LoadFails(path), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_language_model_whose_embedding_is_smaller_than_its_vocabulary_is_refused()
    {
        // Saved through the library (nothing checks at save): ids 3 and 4 of the vocabulary would not fit the table.
        var model = new Sequential(5).Add(new Embedding(3, 3)).Add(new Lstm(4, returnSequences: true)).Add(new Dense(5));
        model.Initialize(seed: 6);
        string path = Path.Combine(_folder, "small.nabla");
        var metadata = new ModelMetadata(["\n", "a", "b", "c", "d"], 1f, "sparse-cross-entropy") { Task = TaskKind.Text };
        ModelFile.Save(path, model, metadata);
        Assert.Contains("takes 3 token ids but the vocabulary has 5", LoadFails(path));
        Assert.Throws<ArgumentException>(() => new TextGenerator(model, metadata.ClassNames));
    }
}
