using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Parameters;

namespace Nabla.Serialization;

/// <summary>
/// Saves and loads models in the safetensors layout, so Python tools (<c>safetensors.numpy.load_file</c>) read the
/// weights directly.
/// </summary>
/// <remarks>
/// <para>Layout: an 8-byte little-endian header length N; N bytes of JSON (padded with spaces to a multiple of 8);
/// then the tensors' little-endian float32 data, back to back. The JSON maps each tensor name
/// (<c>dense_1.weight</c>) to <c>{"dtype":"F32","shape":[…],"data_offsets":[begin,end]}</c>, and
/// <c>__metadata__</c> (strings only, as safetensors requires) holds <c>format</c> = <c>nabla</c>,
/// <c>format_version</c>, the architecture (a JSON list of layers), the input shape, class names, input scale, output
/// transform, loss, and the SHA-256 of the data section, so a flipped bit is caught at load time.</para>
/// <para>Dense weights are stored [in, out] (see <see cref="Dense"/>), not PyTorch's [out, in].</para>
/// <para>Saving writes a temporary file beside the target and renames it over the target, so a crash never leaves a
/// half-written model.</para>
/// </remarks>
public static class ModelFile
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    private const string FormatName = "nabla";
    private const long MaxHeaderLength = 100_000_000;

    /// <summary>Writes <paramref name="model"/> and <paramref name="metadata"/> to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, Sequential model, ModelMetadata metadata) => Save(path, model, metadata, null, null);

    /// <summary>Writes a model plus extra metadata strings and extra 1-D tensors (a checkpoint's optimizer state), atomically.</summary>
    public static void Save(string path, Sequential model, ModelMetadata metadata,
        IReadOnlyDictionary<string, string>? extraMetadata, IReadOnlyList<(string Name, float[] Values)>? extraTensors)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        var tensors = new List<(string Name, float[] Values, int[] Shape)>();
        foreach (Layer layer in model.Layers)
        {
            foreach (Parameter p in layer.Parameters.Concat(layer.Buffers))
            {
                tensors.Add(($"{layer.Name}.{p.Name}", p.Value, p.Shape.ToArray()));
            }
        }

        if (metadata.Scaler is not null)
        {
            tensors.Add(("preprocessing.offset", metadata.Scaler.Offset, [metadata.Scaler.Offset.Length]));
            tensors.Add(("preprocessing.scale", metadata.Scaler.Scale, [metadata.Scaler.Scale.Length]));
        }

        foreach (var (name, values) in extraTensors ?? [])
        {
            tensors.Add((name, values, [values.Length]));
        }

        long dataLength = tensors.Sum(t => (long)t.Values.Length * sizeof(float));
        byte[] data = new byte[dataLength];
        long offset = 0;
        var header = new JsonObject();
        foreach (var (name, values, shape) in tensors)
        {
            int bytes = values.Length * sizeof(float);
            WriteLittleEndian(values, data.AsSpan((int)offset, bytes));
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }

        var architecture = new JsonArray();
        foreach (Layer layer in model.Layers)
        {
            var settings = new JsonObject();
            foreach (var (key, value) in layer.Settings)
            {
                settings[key] = value;
            }

            architecture.Add((JsonNode)new JsonObject { ["kind"] = layer.Kind, ["name"] = layer.Name, ["settings"] = settings });
        }

        header["__metadata__"] = new JsonObject
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["architecture"] = architecture.ToJsonString(),
            ["input_shape"] = JsonSerializeInts(model.InputShape.ToArray()),
            ["class_names"] = new JsonArray(metadata.ClassNames.Select(n => (JsonNode)n).ToArray()).ToJsonString(),
            ["input_scale"] = metadata.InputScale.ToString("R", CultureInfo.InvariantCulture),
            ["output_transform"] = model.OutputTransform.ToString().ToLowerInvariant(),
            ["loss"] = metadata.Loss,
            ["task"] = metadata.Task.ToString().ToLowerInvariant(),
            ["target_mean"] = metadata.TargetMean.ToString("R", CultureInfo.InvariantCulture),
            ["target_std"] = metadata.TargetStd.ToString("R", CultureInfo.InvariantCulture),
            ["data_sha256"] = Convert.ToHexStringLower(SHA256.HashData(data)),
        };
        if (metadata.FeatureNames is not null)
        {
            header["__metadata__"]!["feature_names"] = new JsonArray(metadata.FeatureNames.Select(n => (JsonNode)n).ToArray()).ToJsonString();
            header["__metadata__"]!["target_name"] = metadata.TargetName ?? "";
        }

        if (metadata.Scaler is not null)
        {
            header["__metadata__"]!["scaling"] = metadata.Scaler.Kind.ToString().ToLowerInvariant();
        }

        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            header["__metadata__"]![key] = value;
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        IO.AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++)
            {
                stream.WriteByte((byte)' ');
            }

            stream.Write(data);
        });
    }

    /// <summary>Reads a model written by <c>Save</c>, checking everything.</summary>
    /// <exception cref="ModelFormatException">The file is missing, truncated, corrupt, foreign or of another version.</exception>
    public static (Sequential Model, ModelMetadata Metadata) Load(string path)
    {
        var (model, metadata, _, _) = LoadWithExtras(path);
        return (model, metadata);
    }

    /// <summary>Reads a file written by <see cref="Save(string, Sequential, ModelMetadata, IReadOnlyDictionary{string, string}?, IReadOnlyList{ValueTuple{string, float[]}}?)"/>,
    /// returning also the metadata strings and tensors that are not part of the model.</summary>
    /// <exception cref="ModelFormatException">The file is missing, truncated, corrupt, foreign or of another version.</exception>
    public static (Sequential Model, ModelMetadata Metadata, Dictionary<string, string> ExtraMetadata, Dictionary<string, float[]> ExtraTensors) LoadWithExtras(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot read the model file ({ex.Message}).", ex);
        }

        try
        {
            return Parse(bytes, path);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentException or KeyNotFoundException or OverflowException)
        {
            throw new ModelFormatException($"{path}: not a valid Nabla model ({ex.Message}).", ex);
        }
    }

    private static (Sequential, ModelMetadata, Dictionary<string, string>, Dictionary<string, float[]>) Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 8)
        {
            throw new ModelFormatException($"{path}: too short to be a model file ({bytes.Length} bytes); it may be truncated.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength < 2 || headerLength > MaxHeaderLength || (long)headerLength > bytes.Length - 8)
        {
            throw new ModelFormatException($"{path}: not a Nabla model file (header length {headerLength} does not fit a {bytes.Length}-byte file); it may be truncated or of another format.");
        }

        JsonObject header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject()
            ?? throw new ModelFormatException($"{path}: the header is empty.");
        JsonObject meta = header["__metadata__"]?.AsObject()
            ?? throw new ModelFormatException($"{path}: not a Nabla model (a safetensors file without Nabla's __metadata__).");
        if ((string?)meta["format"] != FormatName)
        {
            throw new ModelFormatException($"{path}: not a Nabla model (a safetensors file of format '{(string?)meta["format"]}').");
        }

        int version = int.Parse((string?)meta["format_version"] ?? "0", CultureInfo.InvariantCulture);
        if (version != FormatVersion)
        {
            throw new ModelFormatException($"{path}: model format version {version} is not supported by this Nabla (it reads version {FormatVersion}); use the Nabla version that wrote it.");
        }

        ReadOnlySpan<byte> data = bytes.AsSpan(8 + (int)headerLength);
        string expectedHash = (string?)meta["data_sha256"] ?? throw new ModelFormatException($"{path}: the metadata has no data checksum.");
        if (Convert.ToHexStringLower(SHA256.HashData(data)) != expectedHash)
        {
            throw new ModelFormatException($"{path}: the weights are corrupt or truncated (checksum mismatch over {data.Length} data bytes).");
        }

        int[] inputShape = JsonNode.Parse((string)meta["input_shape"]!)!.AsArray().Select(n => (int)n!).ToArray();
        var model = new Sequential(inputShape)
        {
            OutputTransform = Enum.Parse<OutputTransform>((string)meta["output_transform"]!, ignoreCase: true),
        };
        foreach (JsonNode? node in JsonNode.Parse((string)meta["architecture"]!)!.AsArray())
        {
            var settings = node!["settings"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
            Layer layer = CreateLayer((string)node["kind"]!, settings, path);
            layer.Name = (string)node["name"]!;
            model.Add(layer);
        }

        long used = 0;
        var modelTensors = new HashSet<string>();
        foreach (Layer layer in model.Layers)
        {
            foreach (Parameter p in layer.Parameters.Concat(layer.Buffers))
            {
                string name = $"{layer.Name}.{p.Name}";
                JsonObject entry = header[name]?.AsObject() ?? throw new ModelFormatException($"{path}: tensor '{name}' is missing.");
                int[] shape = entry["shape"]!.AsArray().Select(n => (int)n!).ToArray();
                if ((string?)entry["dtype"] != "F32" || !shape.AsSpan().SequenceEqual(p.Shape.ToArray()))
                {
                    throw new ModelFormatException($"{path}: tensor '{name}' is {(string?)entry["dtype"]} [{string.Join(", ", shape)}] but the architecture needs F32 {p.Shape}.");
                }

                long begin = (long)entry["data_offsets"]![0]!, end = (long)entry["data_offsets"]![1]!;
                if (begin < 0 || end - begin != (long)p.Value.Length * sizeof(float) || end > data.Length)
                {
                    throw new ModelFormatException($"{path}: tensor '{name}' has offsets [{begin}, {end}) that do not fit its shape or the {data.Length}-byte data section.");
                }

                ReadLittleEndian(data[(int)begin..(int)end], p.Value);
                used += end - begin;
                modelTensors.Add(name);
            }
        }

        var extraTensors = new Dictionary<string, float[]>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__" || modelTensors.Contains(name))
            {
                continue;
            }

            long begin = (long)node!["data_offsets"]![0]!, end = (long)node["data_offsets"]![1]!;
            if ((string?)node["dtype"] != "F32" || begin < 0 || end < begin || end > data.Length || (end - begin) % sizeof(float) != 0)
            {
                throw new ModelFormatException($"{path}: tensor '{name}' has offsets [{begin}, {end}) or a dtype that do not fit the {data.Length}-byte data section.");
            }

            var values = new float[(end - begin) / sizeof(float)];
            ReadLittleEndian(data[(int)begin..(int)end], values);
            extraTensors[name] = values;
            used += end - begin;
        }

        if (used != data.Length)
        {
            throw new ModelFormatException($"{path}: the data section holds {data.Length} bytes but the tensors use {used}.");
        }

        string[] classNames = JsonNode.Parse((string)meta["class_names"]!)!.AsArray().Select(n => (string)n!).ToArray();
        float scale = float.Parse((string)meta["input_scale"]!, CultureInfo.InvariantCulture);
        string[] known = ["format", "format_version", "architecture", "input_shape", "class_names", "input_scale", "output_transform", "loss", "data_sha256",
            "task", "target_mean", "target_std", "feature_names", "target_name", "scaling"];
        var extraMetadata = meta.Where(p => !known.Contains(p.Key)).ToDictionary(p => p.Key, p => (string?)p.Value ?? "");
        Scaler? scaler = null;
        if (meta["scaling"] is not null)
        {
            if (!extraTensors.Remove("preprocessing.offset", out float[]? offset) || !extraTensors.Remove("preprocessing.scale", out float[]? factors)
                || offset.Length != model.InputShape.Count || factors.Length != model.InputShape.Count)
            {
                throw new ModelFormatException($"{path}: the preprocessing tensors are missing or do not match the input size {model.InputShape.Count}.");
            }

            scaler = new Scaler(Enum.Parse<ScalingKind>((string)meta["scaling"]!, ignoreCase: true), offset, factors);
        }

        var metadata = new ModelMetadata(classNames, scale, (string?)meta["loss"] ?? "cross-entropy")
        {
            Task = meta["task"] is null ? TaskKind.Classification : Enum.Parse<TaskKind>((string)meta["task"]!, ignoreCase: true),
            TargetMean = meta["target_mean"] is null ? 0 : double.Parse((string)meta["target_mean"]!, CultureInfo.InvariantCulture),
            TargetStd = meta["target_std"] is null ? 1 : double.Parse((string)meta["target_std"]!, CultureInfo.InvariantCulture),
            FeatureNames = meta["feature_names"] is null ? null : JsonNode.Parse((string)meta["feature_names"]!)!.AsArray().Select(n => (string)n!).ToArray(),
            TargetName = (string?)meta["target_name"],
            Scaler = scaler,
        };
        model.Metadata = metadata;
        model.MarkInitialized();
        return (model, metadata, extraMetadata, extraTensors);
    }

    /// <summary>A layer from its kind and settings through the <see cref="LayerRegistry"/>; a bad one is a format error
    /// naming the file.</summary>
    internal static Layer CreateLayer(string kind, IReadOnlyDictionary<string, string> settings, string path)
    {
        if (LayerRegistry.Find(kind) is not { } type)
        {
            throw new ModelFormatException($"{path}: unknown layer kind '{kind}' (written by a newer Nabla?).");
        }

        try
        {
            return type.FromSettings(settings);
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException($"{path}: layer '{kind}': {ex.Message}", ex);
        }
    }

    private static string JsonSerializeInts(int[] values) => "[" + string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

    private static void WriteLittleEndian(ReadOnlySpan<float> values, Span<byte> destination)
    {
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
        }
    }

    private static void ReadLittleEndian(ReadOnlySpan<byte> source, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
        }
    }
}
