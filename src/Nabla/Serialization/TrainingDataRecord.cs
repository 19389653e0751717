using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nabla.Serialization;

/// <summary>
/// What a model was trained on, as its file records it (metadata key <c>training_data</c>): where the data was, the
/// sample shape, the sizes of the training and test parts and their fingerprints (<see cref="Data.Dataset.Fingerprint"/>),
/// and for a CSV file its SHA-256 and how the test part was split off. <c>nabla evaluate</c> without <c>--data</c>
/// evaluates on that test part, and says so when the data it is given holds the training rows.
/// </summary>
/// <param name="Kind"><see cref="BuiltIn"/> (the digits shipped with Nabla), <see cref="Folder"/> (an MNIST-layout
/// folder) or <see cref="Csv"/>.</param>
/// <param name="Path">The folder or file as an absolute path (<c>mnist-10k</c> for the built-in digits).</param>
/// <param name="SampleShape">The shape of one sample.</param>
/// <param name="TrainRows">Samples in the training part (the validation split included).</param>
/// <param name="TestRows">Samples in the test part (0 when there is none).</param>
/// <param name="TrainSha256">Fingerprint of the training part (before scaling).</param>
/// <param name="TestSha256">Fingerprint of the test part (before scaling); empty when there is none.</param>
public sealed record TrainingDataRecord(string Kind, string Path, IReadOnlyList<int> SampleShape, int TrainRows, int TestRows, string TrainSha256, string TestSha256)
{
    /// <summary>The digits shipped with Nabla (<see cref="Data.Mnist.LoadBuiltIn()"/>).</summary>
    public const string BuiltIn = "built-in";

    /// <summary>An MNIST-layout folder; its test part is the t10k files.</summary>
    public const string Folder = "folder";

    /// <summary>A CSV file; its test part was split off with <see cref="TestSplit"/> and <see cref="Seed"/>.</summary>
    public const string Csv = "csv";

    /// <summary>CSV: SHA-256 of the whole file.</summary>
    public string FileSha256 { get; init; } = "";

    /// <summary>CSV: the fraction held out as the test part (0: the model was tested on its training rows).</summary>
    public double TestSplit { get; init; }

    /// <summary>CSV: the seed of the test split.</summary>
    public int Seed { get; init; }

    /// <summary>The record as the model file's metadata holds it (a JSON object of strings and one list).</summary>
    public string ToMetadata()
    {
        var node = new JsonObject
        {
            ["kind"] = Kind,
            ["path"] = Path,
            ["sample_shape"] = new JsonArray(SampleShape.Select(d => (JsonNode)d.ToString(CultureInfo.InvariantCulture)).ToArray()),
            ["train_rows"] = TrainRows.ToString(CultureInfo.InvariantCulture),
            ["test_rows"] = TestRows.ToString(CultureInfo.InvariantCulture),
            ["train_sha256"] = TrainSha256,
            ["test_sha256"] = TestSha256,
        };
        if (Kind == Csv)
        {
            node["file_sha256"] = FileSha256;
            node["test_split"] = TestSplit.ToString("R", CultureInfo.InvariantCulture);
            node["seed"] = Seed.ToString(CultureInfo.InvariantCulture);
        }

        return node.ToJsonString();
    }

    /// <summary>Reads <see cref="ToMetadata"/>'s text strictly: the keys its kind has and no others, counts ≥ 0,
    /// fingerprints of 64 lowercase hex digits (the test one empty only without test rows), a shape of sizes ≥ 1
    /// holding <paramref name="inputCount"/> values (the model's input), a test split in [0, 1).</summary>
    /// <exception cref="FormatException">Anything else; the message says what.</exception>
    public static TrainingDataRecord Parse(string text, int inputCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonObject node = Serialization.MetadataJson.ParseObject(text, "training_data");

        string String(string key) => node[key] is JsonValue value && value.TryGetValue(out string? s) ? s
            : throw new FormatException($"training_data.{key} is missing or not a string.");
        int Count(string key) => int.TryParse(String(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
            : throw new FormatException($"training_data.{key} is not a whole number ≥ 0.");

        string kind = String("kind");
        string[] keys = kind switch
        {
            BuiltIn or Folder => ["kind", "path", "sample_shape", "train_rows", "test_rows", "train_sha256", "test_sha256"],
            Csv => ["kind", "path", "sample_shape", "train_rows", "test_rows", "train_sha256", "test_sha256", "file_sha256", "test_split", "seed"],
            _ => throw new FormatException($"training_data.kind is not {BuiltIn}, {Folder} or {Csv}."),
        };
        if (node.Count != keys.Length || node.Any(p => !keys.Contains(p.Key)))
        {
            throw new FormatException($"training_data of kind {kind} must have exactly the keys {string.Join(", ", keys)}.");
        }

        if (node["sample_shape"] is not JsonArray shapeNode || shapeNode.Count is 0 or > 8)
        {
            throw new FormatException("training_data.sample_shape is not a list of one to eight sizes.");
        }

        int[] shape = shapeNode.Select(e => e is JsonValue v && v.TryGetValue(out string? s)
            && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int d) && d >= 1 ? d
            : throw new FormatException("training_data.sample_shape holds a size that is not a whole number ≥ 1.")).ToArray();
        if (shape.Aggregate(1L, (a, d) => Math.Min(a * d, int.MaxValue + 1L)) != inputCount)
        {
            throw new FormatException($"training_data.sample_shape [{string.Join(", ", shape)}] does not hold the model's {inputCount} inputs.");
        }

        int testRows = Count("test_rows");
        string train = String("train_sha256"), test = String("test_sha256");
        if (!IsHash(train) || !(IsHash(test) || test.Length == 0 && testRows == 0))
        {
            throw new FormatException("training_data's fingerprints must be 64 lowercase hex digits.");
        }

        string path = String("path");
        if (path.Length == 0 || path.Length > 4096 || path.Any(char.IsControl))
        {
            throw new FormatException("training_data.path is empty, longer than 4096 characters or holds control characters.");
        }

        var record = new TrainingDataRecord(kind, path, shape, Count("train_rows"), testRows, train, test);
        if (kind != Csv)
        {
            return record;
        }

        string file = String("file_sha256");
        if (!IsHash(file))
        {
            throw new FormatException("training_data.file_sha256 must be 64 lowercase hex digits.");
        }

        if (!double.TryParse(String("test_split"), NumberStyles.Float, CultureInfo.InvariantCulture, out double split) || !(split >= 0 && split < 1))
        {
            throw new FormatException("training_data.test_split is not a number in [0, 1).");
        }

        if (!int.TryParse(String("seed"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed))
        {
            throw new FormatException("training_data.seed is not a whole number.");
        }

        return record with { FileSha256 = file, TestSplit = split, Seed = seed };
    }

    private static bool IsHash(string text) => text.Length == 64 && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
