using System.Text;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Fuzz;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Tests.Reliability;

/// <summary>Damaged model files: each fails with one line naming the file and the problem (issue 9).</summary>
public sealed class ModelFileReliabilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-reliability-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A tabular binary model with batch norm, dropout, a scaler and feature names.</summary>
    private static (Sequential, ModelMetadata) Tabular()
    {
        var model = new Sequential(3).Add(new Dense(4)).Add(new BatchNorm()).Add(new ReLU()).Add(new Dropout(0.25f)).Add(new Dense(1));
        model.Initialize(seed: 7);
        model.OutputTransform = OutputTransform.Sigmoid;
        return (model, new ModelMetadata(["no", "yes"], 1f, "binary-cross-entropy")
        {
            Task = TaskKind.Binary,
            FeatureNames = ["a", "b", "c"],
            TargetName = "label",
            TargetMean = 0.5,
            Scaler = new Scaler(ScalingKind.Standard, [1, 2, 3], [1, 0.5f, 0.25f]),
        });
    }

    private static (Sequential, ModelMetadata) Digits()
    {
        var model = new Sequential(4).Add(new Dense(5)).Add(new ReLU()).Add(new Dense(4));
        model.Initialize(seed: 3);
        model.OutputTransform = OutputTransform.Softmax;
        return (model, new ModelMetadata(["0", "1", "2", "3"], Mnist.PixelScale, "cross-entropy"));
    }

    private static TrainingDataRecord Record() =>
        new(TrainingDataRecord.Csv, "/data/points.csv", [3], 80, 20, new string('a', 64), new string('b', 64)) { FileSha256 = new string('c', 64), TestSplit = 0.2, Seed = 1 };

    private string Save(string name, (Sequential Model, ModelMetadata Metadata) m)
    {
        string path = Path.Combine(_folder, name);
        ModelFile.Save(path, m.Model, m.Metadata);
        return path;
    }

    private static ModelFormatException LoadFails(string path)
    {
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public void Save_writes_version_2_and_version_1_files_still_load_with_the_data_checked()
    {
        string path = Save("m.nabla", Digits());
        var (header, _) = Mutator.SplitModel(File.ReadAllBytes(path));
        JsonObject meta = JsonNode.Parse(header)!["__metadata__"]!.AsObject();
        Assert.Equal("2", (string?)meta["format_version"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)meta["header_sha256"]);

        string v1 = Path.Combine(_folder, "v1.nabla");
        File.WriteAllBytes(v1, Mutator.ToVersion1(File.ReadAllBytes(path)));
        var x = new Tensor(2, 4);
        x.Span.Fill(0.5f);
        Assert.Equal(ModelFile.Load(path).Model.PredictProbabilities(x).Span.ToArray(), ModelFile.Load(v1).Model.PredictProbabilities(x).Span.ToArray());

        // Version 1 checks only the data: a damaged weight is still caught there.
        byte[] bytes = File.ReadAllBytes(v1);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(v1, bytes);
        Assert.Contains("weights are corrupt", LoadFails(v1).Message);
    }

    /// <summary>One-byte changes that version 1 loaded silently: a class name '3' → '1', the input scale, a layer
    /// setting, the loss, the target mean.</summary>
    public static TheoryData<string, string> HeaderFlips => new()
    {
        { "\\u00223\\u0022]", "\\u00221\\u0022]" },
        { "\"input_scale\":\"0.003921569\"", "\"input_scale\":\"0.003921561\"" },
        { "\\u0022units\\u0022:\\u00225\\u0022", "\\u0022units\\u0022:\\u00224\\u0022" },
        { "\"loss\":\"cross-entropy\"", "\"loss\":\"cross-entropz\"" },
        { "\"target_mean\":\"0\"", "\"target_mean\":\"1\"" },
    };

    [Theory]
    [MemberData(nameof(HeaderFlips))]
    public void A_changed_header_byte_is_caught_by_the_header_checksum(string from, string to)
    {
        string path = Save("m.nabla", Digits());
        string text = Encoding.Latin1.GetString(File.ReadAllBytes(path));
        Assert.Contains(from, text);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text.Replace(from, to, StringComparison.Ordinal)));
        Assert.Contains("header is corrupt", LoadFails(path).Message);
    }

    /// <summary>Edits of the header JSON, resealed (as a deliberate edit or a bug in a writer would leave them), so
    /// they reach the parser behind the checksums.</summary>
    public static TheoryData<string, string> StructuralDamage => new()
    {
        { "offsets-key", "no data_offsets" },
        { "shape-key", "no shape" },
        { "no-settings", "no settings" },
        { "extra-tensor-without-offsets", "no data_offsets" },
        { "number-in-metadata", "strings only" },
        { "class-count", "class names" },
        { "overlap", "overlap" },
        { "feature-count", "feature names" },
        { "units-zero", "units" },
        { "units-huge", "weights" },
        { "setting-as-number", "is a JSON number, not a string" },
        { "momentum-text", "momentum" },
        { "output-transform-number", "output_transform" },
        { "task", "task" },
        { "scaling", "scaling" },
        { "input-scale-nan", "input_scale" },
        { "target-std-zero", "target_std" },
        { "architecture-not-json", "not valid JSON" },
        { "layer-without-name", "has no name" },
        { "input-shape-type", "input_shape" },
        { "nan-weight", "NaN" },
        { "lone-surrogate", "not valid text" },
        { "image-style-on-tabular", "image_style is given for a model that does not take one-channel images" },
        { "training-data-hash", "fingerprints must be 64 lowercase hex digits" },
        { "training-data-shape", "does not hold the model's 3 inputs" },
        { "training-data-extra-key", "must have exactly the keys" },
        { "training-data-split", "test_split" },
    };

    [Theory]
    [MemberData(nameof(StructuralDamage))]
    public void Structural_damage_behind_the_checksum_is_one_line_naming_the_problem(string damage, string expected)
    {
        string path = Save("m.nabla", Tabular());
        var (header, data) = Mutator.SplitModel(File.ReadAllBytes(path));
        JsonObject root = JsonNode.Parse(header)!.AsObject();
        JsonObject meta = root["__metadata__"]!.AsObject();
        JsonArray architecture = JsonNode.Parse((string)meta["architecture"]!)!.AsArray();
        JsonObject weight = root["dense_1.weight"]!.AsObject();
        switch (damage)
        {
            case "offsets-key":
                weight["data_offsetr"] = weight["data_offsets"]!.DeepClone();
                weight.Remove("data_offsets");
                break;
            case "shape-key":
                weight["shapf"] = weight["shape"]!.DeepClone();
                weight.Remove("shape");
                break;
            case "no-settings":
                architecture[0]!.AsObject().Remove("settings");
                break;
            case "extra-tensor-without-offsets":
                root["optimizer.0"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(0) };
                break;
            case "number-in-metadata":
                meta["input_scale"] = 1;
                break;
            case "class-count":
                meta["class_names"] = "[\"no\",\"yes\",\"maybe\"]";
                break;
            case "overlap":
                JsonObject bias = root["dense_1.bias"]!.AsObject();
                long begin = (long)bias["data_offsets"]![0]!;
                bias["data_offsets"] = new JsonArray(begin - 4, begin + 12);
                break;
            case "feature-count":
                meta["feature_names"] = "[\"a\",\"b\"]";
                break;
            case "units-zero":
                architecture[0]!["settings"]!["units"] = "0";
                break;
            case "units-huge":
                architecture[0]!["settings"]!["units"] = "2000000000";
                break;
            case "setting-as-number":
                architecture[3]!["settings"]!["rate"] = 0.25;
                break;
            case "momentum-text":
                architecture[1]!["settings"]!["momentum"] = "fast";
                break;
            case "output-transform-number":
                meta["output_transform"] = "1";
                break;
            case "task":
                meta["task"] = "Binary2";
                break;
            case "scaling":
                meta["scaling"] = "2";
                break;
            case "input-scale-nan":
                meta["input_scale"] = "NaN";
                break;
            case "target-std-zero":
                meta["target_std"] = "0";
                break;
            case "architecture-not-json":
                meta["architecture"] = "[{\"kind\":";
                break;
            case "layer-without-name":
                architecture[2]!.AsObject().Remove("name");
                break;
            case "input-shape-type":
                meta["input_shape"] = "[\"3\"]";
                break;
            case "lone-surrogate":
                meta["class_names"] = "[\"\\udefa\",\"yes\"]";
                break;
            case "nan-weight":
                BitConverter.GetBytes(float.NaN).CopyTo(data, 8);
                break;
            case "image-style-on-tabular":
                meta["image_style"] = ImageStyle.Mnist.ToMetadata();
                break;
            case "training-data-hash":
                meta["training_data"] = Record().ToMetadata().Replace(new string('a', 64), "xyz", StringComparison.Ordinal);
                break;
            case "training-data-shape":
                meta["training_data"] = (Record() with { SampleShape = [4] }).ToMetadata();
                break;
            case "training-data-extra-key":
                meta["training_data"] = Record().ToMetadata().Replace("{", "{\"extra\":\"1\",", StringComparison.Ordinal);
                break;
            case "training-data-split":
                meta["training_data"] = (Record() with { TestSplit = 1.5 }).ToMetadata();
                break;
        }

        if (damage is not ("architecture-not-json" or "number-in-metadata"))
        {
            meta["architecture"] = architecture.ToJsonString();
        }

        File.WriteAllBytes(path, Mutator.JoinModel(Encoding.UTF8.GetBytes(root.ToJsonString()), data, resealHeader: true, resealData: true));
        Assert.Contains(expected, LoadFails(path).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_device_or_a_folder_is_refused_without_reading_it()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("not a regular file", LoadFails("/dev/zero").Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("is a folder", LoadFails(_folder).Message);
    }
}
