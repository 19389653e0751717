using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Data.Preprocessing;

namespace Nabla.Serialization;

/// <summary>
/// The <c>preprocessing</c> metadata string of a model file: a tabular model's column encoders as JSON (the scaling of
/// the encoded inputs is stored as the <c>preprocessing.offset</c>/<c>preprocessing.scale</c> tensors, as before).
/// docs/MODEL_FORMAT.md describes the fields; reading checks every one strictly, each problem one
/// <see cref="ModelFormatException"/> line naming the file and the column.
/// </summary>
internal static class PreprocessingFormat
{
    /// <summary>The metadata key.</summary>
    public const string Key = "preprocessing";

    /// <summary>The most categories a model file may list for one column.</summary>
    public const int MaxCategories = 1_000_000;

    public static string Write(TabularPreprocessor preprocessor)
    {
        var columns = new JsonArray();
        foreach (ColumnEncoder column in preprocessor.Columns)
        {
            var node = new JsonObject { ["name"] = column.Name, ["missing"] = column.MissingInTraining };
            switch (column)
            {
                case NumericEncoder numeric:
                    node["kind"] = "numeric";
                    node["impute"] = numeric.Imputation == NumericImputation.Mean ? "mean" : "median";
                    node["fill"] = numeric.Fill;
                    node["indicator"] = numeric.Indicator;
                    break;
                case OneHotEncoder oneHot:
                    node["kind"] = "categorical";
                    node["encoding"] = "onehot";
                    node["impute"] = Imputation(oneHot.Imputation);
                    node["categories"] = new JsonArray(oneHot.Categories.Select(c => (JsonNode)c).ToArray());
                    node["missing_slot"] = oneHot.HasMissingSlot;
                    node["infrequent"] = new JsonArray(oneHot.Infrequent.Select(c => (JsonNode)c).ToArray());
                    node["most_frequent"] = oneHot.MostFrequent;
                    break;
                case HashEncoder hash:
                    node["kind"] = "categorical";
                    node["encoding"] = "hash";
                    node["impute"] = Imputation(hash.Imputation);
                    node["buckets"] = hash.Buckets;
                    node["missing_slot"] = hash.HasMissingSlot;
                    node["most_frequent_bucket"] = hash.MostFrequentBucket;
                    node["categories_in_training"] = hash.CategoriesInTraining;
                    break;
                default:
                    throw new ArgumentException($"Column '{column.Name}': {column.GetType().Name} cannot be saved.");
            }

            columns.Add((JsonNode)node);
        }

        return new JsonObject
        {
            ["version"] = 1,
            ["missing"] = preprocessor.RefuseMissing ? "error" : "impute",
            ["missing_values"] = new JsonArray(preprocessor.MissingValues.Select(v => (JsonNode)v).ToArray()),
            ["columns"] = columns,
        }.ToJsonString();
    }

    /// <summary>Reads the JSON in <paramref name="text"/>; the encoders' widths must add up to <paramref name="inputs"/>.</summary>
    public static TabularPreprocessor Read(string text, Scaler scaler, int inputs, double targetMean, double targetStd, string path)
    {
        using JsonDocument document = ModelFile.ParseJson(Encoding.UTF8.GetBytes(text), path, $"__metadata__.{Key}");
        JsonElement root = document.RootElement;
        string where = $"{path}: {Key}";
        RequireObject(root, where);
        if (Int(root, "version", where, 1, 1) != 1)
        {
            throw new ModelFormatException($"{where}: version is not 1.");
        }

        string missing = String(root, "missing", where);
        if (missing is not ("impute" or "error"))
        {
            throw new ModelFormatException($"{where}: missing '{Show(missing)}' is not impute or error.");
        }

        string[] missingValues = Strings(root, "missing_values", where, 1000);
        JsonElement list = Property(root, "columns", where);
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw new ModelFormatException($"{where}: columns is not a non-empty list.");
        }

        var encoders = new List<ColumnEncoder>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        long width = 0;
        int index = 0;
        foreach (JsonElement node in list.EnumerateArray())
        {
            string label = $"{where}: column {++index}";
            RequireObject(node, label);
            string name = String(node, "name", label);
            label = $"{where}: column {index} ('{Show(name)}')";
            if (name.Length == 0 || !names.Add(name))
            {
                throw new ModelFormatException($"{label}: the name is empty or taken by another column.");
            }

            ColumnEncoder encoder = ReadColumn(node, name, label);
            width += encoder.Width;
            if (width > inputs)
            {
                throw new ModelFormatException($"{where}: the columns make more than the model's {inputs} inputs.");
            }

            encoders.Add(encoder);
        }

        if (width != inputs)
        {
            throw new ModelFormatException($"{where}: the columns make {width} inputs but the model takes {inputs}.");
        }

        try
        {
            return new TabularPreprocessor(encoders, scaler, missingValues, missing == "error", targetMean, targetStd);
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException($"{where}: {OneLine(ex.Message)}", ex);
        }
    }

    private static ColumnEncoder ReadColumn(JsonElement node, string name, string label)
    {
        int missing = Int(node, "missing", label, 0, int.MaxValue);
        string kind = String(node, "kind", label);
        try
        {
            if (kind == "numeric")
            {
                string impute = String(node, "impute", label);
                NumericImputation imputation = impute switch
                {
                    "median" => NumericImputation.Median,
                    "mean" => NumericImputation.Mean,
                    _ => throw new ModelFormatException($"{label}: impute '{Show(impute)}' is not median or mean."),
                };
                JsonElement fill = Property(node, "fill", label);
                if (fill.ValueKind != JsonValueKind.Number || !fill.TryGetSingle(out float value) || !float.IsFinite(value))
                {
                    throw new ModelFormatException($"{label}: fill {Show(fill.GetRawText())} is not a finite number.");
                }

                return new NumericEncoder(name, missing, imputation, value, Bool(node, "indicator", label));
            }

            if (kind != "categorical")
            {
                throw new ModelFormatException($"{label}: kind '{Show(kind)}' is not numeric or categorical.");
            }

            string text = String(node, "impute", label);
            CategoricalImputation categorical = text switch
            {
                "missing" => CategoricalImputation.MissingCategory,
                "most-frequent" => CategoricalImputation.MostFrequent,
                _ => throw new ModelFormatException($"{label}: impute '{Show(text)}' is not missing or most-frequent."),
            };
            bool missingSlot = Bool(node, "missing_slot", label);
            string encoding = String(node, "encoding", label);
            switch (encoding)
            {
                case "onehot":
                    string[] categories = Strings(node, "categories", label, MaxCategories);
                    string[] infrequent = Strings(node, "infrequent", label, MaxCategories);
                    JsonElement most = Property(node, "most_frequent", label);
                    string? mostFrequent = most.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => most.GetString(),
                        _ => throw new ModelFormatException($"{label}: most_frequent is a JSON {Kind(most)}, not a string or null."),
                    };
                    return new OneHotEncoder(name, missing, categories, categorical, missingSlot, infrequent, mostFrequent);
                case "hash":
                    int buckets = Int(node, "buckets", label, 1, HashEncoder.MaxBuckets);
                    JsonElement bucket = Property(node, "most_frequent_bucket", label);
                    int? mostBucket = bucket.ValueKind == JsonValueKind.Null ? null : Int(node, "most_frequent_bucket", label, 0, buckets - 1);
                    return new HashEncoder(name, missing, buckets, categorical, missingSlot, mostBucket, Int(node, "categories_in_training", label, 0, int.MaxValue));
                default:
                    throw new ModelFormatException($"{label}: encoding '{Show(encoding)}' is not onehot or hash.");
            }
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException($"{label}: {OneLine(ex.Message)}", ex);
        }
    }

    private static string Imputation(CategoricalImputation imputation) => imputation == CategoricalImputation.MostFrequent ? "most-frequent" : "missing";

    private static void RequireObject(JsonElement node, string label)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{label} is a JSON {Kind(node)}, not an object.");
        }
    }

    private static JsonElement Property(JsonElement node, string key, string label) =>
        node.TryGetProperty(key, out JsonElement value) ? value : throw new ModelFormatException($"{label} has no {key}.");

    private static string String(JsonElement node, string key, string label)
    {
        JsonElement value = Property(node, key, label);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new ModelFormatException($"{label}: {key} is a JSON {Kind(value)}, not a string.");
    }

    private static bool Bool(JsonElement node, string key, string label)
    {
        JsonElement value = Property(node, key, label);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException($"{label}: {key} is a JSON {Kind(value)}, not true or false."),
        };
    }

    private static int Int(JsonElement node, string key, string label, int min, int max)
    {
        JsonElement value = Property(node, key, label);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result) && result >= min && result <= max
            ? result
            : throw new ModelFormatException($"{label}: {key} {Show(value.GetRawText())} is not a whole number in [{min}, {max}].");
    }

    private static string[] Strings(JsonElement node, string key, string label, int max)
    {
        JsonElement value = Property(node, key, label);
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > max)
        {
            throw new ModelFormatException($"{label}: {key} is not a list of at most {max} strings.");
        }

        return value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!
            : throw new ModelFormatException($"{label}: {key} holds a JSON {Kind(e)}, not a string.")).ToArray();
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    private static string Show(string text) => CsvLoader.Show(text);

    private static string OneLine(string message) => string.Concat(message.TrimEnd().Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
