using System.Buffers.Binary;
using System.Text;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Serialization;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-model-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (Sequential, ModelMetadata) MakeModel()
    {
        var model = new Sequential(784).Add(new Dense(16)).Add(new LeakyReLU(0.05f)).Add(new Dense(8)).Add(new Tanh()).Add(new Dense(10));
        model.Initialize(seed: 11);
        model.OutputTransform = OutputTransform.Softmax;
        return (model, new ModelMetadata(Enumerable.Range(0, 10).Select(i => $"class{i}").ToArray(), 1f / 255, "cross-entropy"));
    }

    [Fact]
    public void Save_then_load_gives_identical_predictions_and_metadata()
    {
        var (model, metadata) = MakeModel();
        string path = Path.Combine(_folder, "m.nabla");
        ModelFile.Save(path, model, metadata);
        var (loaded, loadedMetadata) = ModelFile.Load(path);

        Tensor x = TestData.Mnist10k.Test.Take(50).Features;
        float[] expected = model.PredictProbabilities(x).Span.ToArray();
        Assert.Equal(expected, loaded.PredictProbabilities(x).Span.ToArray());
        Assert.Equal(metadata.ClassNames, loadedMetadata.ClassNames);
        Assert.Equal(metadata.InputScale, loadedMetadata.InputScale);
        Assert.Equal(OutputTransform.Softmax, loaded.OutputTransform);
        Assert.Equal(0.05f, ((LeakyReLU)loaded.Layers[1]).Slope);
        Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void The_image_style_and_the_training_data_record_round_trip_and_older_files_have_neither()
    {
        var (model, metadata) = MakeModel();
        string plain = Path.Combine(_folder, "plain.nabla"), recorded = Path.Combine(_folder, "recorded.nabla");
        ModelFile.Save(plain, model, metadata);
        var style = new Nabla.Data.ImageStyle(false, Nabla.Data.ImageCentering.BoundingBox, 24);
        var record = new TrainingDataRecord(TrainingDataRecord.Folder, "/data/fashion", [1, 28, 28], 60000, 10000, new string('1', 64), new string('2', 64));
        ModelFile.Save(recorded, model, metadata with { ImageStyle = style, TrainingData = record });

        var (_, before) = ModelFile.Load(plain);
        Assert.Null(before.ImageStyle);
        Assert.Null(before.TrainingData);
        Assert.DoesNotContain("image_style", File.ReadAllText(plain));
        var (_, after) = ModelFile.Load(recorded);
        Assert.Equal(style, after.ImageStyle);
        Assert.Equal(record.ToMetadata(), after.TrainingData!.ToMetadata());
        Assert.Equal([1, 28, 28], after.TrainingData.SampleShape);
    }

    [Fact]
    public void The_file_is_safetensors_json_header_then_little_endian_floats()
    {
        var (model, metadata) = MakeModel();
        string path = Path.Combine(_folder, "m.nabla");
        ModelFile.Save(path, model, metadata);
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Contains("\"dense_1.weight\":{\"dtype\":\"F32\",\"shape\":[784,16],\"data_offsets\":[0,50176]}", header);
        float first = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength));
        Assert.Equal(((Dense)model.Layers[0]).Weight.Value[0], first);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "truncated", "truncated" },
        { "flipped-byte", "corrupt" },
        { "empty", "too short" },
        { "foreign", "not a Nabla model" },
        { "bad-header-length", "header length" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Damaged_files_fail_with_a_message_naming_the_file_and_the_problem(string damage, string expected)
    {
        var (model, metadata) = MakeModel();
        string path = Path.Combine(_folder, damage + ".nabla");
        ModelFile.Save(path, model, metadata);
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..^100];
                break;
            case "flipped-byte":
                bytes[^7] ^= 0x40;
                break;
            case "empty":
                bytes = [];
                break;
            case "foreign":
                byte[] json = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
                bytes = [.. BitConverter.GetBytes((ulong)json.Length), .. json, 0, 0, 128, 63];
                break;
            case "bad-header-length":
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
                break;
        }

        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_file_is_a_model_format_error_naming_it()
    {
        string path = Path.Combine(_folder, "absent.nabla");
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
    }
}
