using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Parameters;
using Nabla.Training;

namespace Nabla.Serialization;

/// <summary>
/// Saves and loads models in the safetensors layout, so other tools can read the weights (docs/MODEL_FORMAT.md: every
/// key and tensor, a NumPy reader, and what was verified about safetensors compatibility).
/// </summary>
/// <remarks>
/// <para>Layout: an 8-byte little-endian header length N; N bytes of JSON (padded with spaces to a multiple of 8);
/// then the tensors' little-endian float32 data, back to back. The JSON maps each tensor name
/// (<c>dense_1.weight</c>) to <c>{"dtype":"F32","shape":[…],"data_offsets":[begin,end]}</c>, and
/// <c>__metadata__</c> (strings only, as safetensors requires) holds <c>format</c> = <c>nabla</c>,
/// <c>format_version</c>, the architecture (a JSON list of layers), the input shape, class names, input scale, output
/// transform, loss, and the SHA-256 of the data section (<c>data_sha256</c>); since format version 2 also
/// <c>header_sha256</c>, the SHA-256 of the length prefix and the header with that field's 64 hex digits replaced by
/// ASCII zeros. The header holds the data's checksum, so the two cover the whole file: a flipped bit anywhere is caught
/// at load time. Version 1 files (data checksum only) still load. docs/RELIABILITY.md describes the checks.</para>
/// <para>Dense weights are stored [in, out] (see <see cref="Dense"/>), not PyTorch's [out, in].</para>
/// <para>Saving writes a temporary file beside the target and renames it over the target, so a crash never leaves a
/// half-written model.</para>
/// </remarks>
public static class ModelFile
{
    /// <summary>The format version this code writes (it reads this one and version 1).</summary>
    public const int FormatVersion = 2;

    /// <summary>The largest model file this code reads (the whole file is held in one array).</summary>
    public const long MaxFileLength = 2_000_000_000;

    private const string FormatName = "nabla";
    private const string HeaderHashKey = "header_sha256";
    private const int HashHexLength = 64;
    private const long MaxHeaderLength = 100_000_000;
    private const string HistoryKey = "training_history";
    private const string SettingsKey = "training_settings";
    private const string ForecastKey = "forecast";

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

        Scaler? scaler = metadata.Preprocessor?.Scaler ?? metadata.Scaler;
        if (scaler is not null)
        {
            tensors.Add(("preprocessing.offset", scaler.Offset, [scaler.Offset.Length]));
            tensors.Add(("preprocessing.scale", scaler.Scale, [scaler.Scale.Length]));
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
            ["target_mean"] = (metadata.Preprocessor?.TargetMean ?? metadata.TargetMean).ToString("R", CultureInfo.InvariantCulture),
            ["target_std"] = (metadata.Preprocessor?.TargetStd ?? metadata.TargetStd).ToString("R", CultureInfo.InvariantCulture),
            ["data_sha256"] = Convert.ToHexStringLower(SHA256.HashData(data)),
        };
        IReadOnlyList<string>? featureNames = metadata.Preprocessor?.InputNames ?? metadata.FeatureNames;
        if (featureNames is not null)
        {
            header["__metadata__"]!["feature_names"] = new JsonArray(featureNames.Select(n => (JsonNode)n).ToArray()).ToJsonString();
        }

        if (featureNames is not null || metadata.TargetName is not null)
        {
            // (a forecasting model has a target but no feature names: its inputs are windows of the named columns)
            header["__metadata__"]!["target_name"] = metadata.TargetName ?? "";
        }

        if (scaler is not null)
        {
            header["__metadata__"]!["scaling"] = scaler.Kind.ToString().ToLowerInvariant();
        }

        if (metadata.Preprocessor is not null)
        {
            header["__metadata__"]![PreprocessingFormat.Key] = PreprocessingFormat.Write(metadata.Preprocessor);
        }

        if (metadata.ImageStyle is not null)
        {
            header["__metadata__"]!["image_style"] = metadata.ImageStyle.ToMetadata();
        }

        if (metadata.TrainingData is not null)
        {
            header["__metadata__"]!["training_data"] = metadata.TrainingData.ToMetadata();
        }

        if (metadata.Forecast is not null)
        {
            header["__metadata__"]![ForecastKey] = metadata.Forecast.ToJson();
        }

        WriteTraining(header["__metadata__"]!.AsObject(), metadata);

        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            header["__metadata__"]![key] = value;
        }

        // The header checksum comes last, written as zeros first: the hash is taken over the bytes as they are then,
        // and its digits replace the zeros (the same length, so nothing else moves).
        header["__metadata__"]![HeaderHashKey] = new string('0', HashHexLength);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        byte[] prefix = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        json.CopyTo(prefix, 8);
        prefix.AsSpan(8 + json.Length).Fill((byte)' ');
        int digits = FindHeaderHash(prefix.AsSpan(8, padded), out _);
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(prefix))).CopyTo(prefix, 8 + digits);
        IO.AtomicFile.Write(path, stream =>
        {
            stream.Write(prefix);
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
    /// <remarks>Everything the file declares is checked against what the file holds before anything is allocated from
    /// it; every problem is a <see cref="ModelFormatException"/> with one line naming the file (docs/RELIABILITY.md).</remarks>
    /// <exception cref="ModelFormatException">The file is missing, truncated, corrupt, foreign or of another version.</exception>
    public static (Sequential Model, ModelMetadata Metadata, Dictionary<string, string> ExtraMetadata, Dictionary<string, float[]> ExtraTensors) LoadWithExtras(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(ReadFile(path), path);
    }

    /// <summary>The file's bytes: only a regular file of at most <see cref="MaxFileLength"/> bytes is read.</summary>
    private static byte[] ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ModelFormatException($"{path}: is a folder, not a model file.");
        }

        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{path}: no such model file.");
        }

        if (!IO.AtomicFile.IsRegularFile(path))
        {
            throw new ModelFormatException($"{path}: not a regular file (a device, FIFO or socket), so not a model file.");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            long length = stream.Length;
            if (length > MaxFileLength)
            {
                throw new ModelFormatException($"{path}: {length} bytes, more than the {MaxFileLength} bytes a model file may have.");
            }

            byte[] bytes = new byte[length];
            int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (read != bytes.Length || stream.ReadByte() != -1)
            {
                throw new ModelFormatException($"{path}: the file changed while it was read.");
            }

            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot read the model file ({ex.Message}).", ex);
        }
    }

    private static (Sequential, ModelMetadata, Dictionary<string, string>, Dictionary<string, float[]>) Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 8)
        {
            throw new ModelFormatException($"{path}: too short to be a model file ({bytes.Length} bytes); it may be truncated.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength < 2 || headerLength > MaxHeaderLength || headerLength > (ulong)(bytes.Length - 8))
        {
            throw new ModelFormatException($"{path}: not a Nabla model file (header length {headerLength} does not fit a {bytes.Length}-byte file); it may be truncated or of another format.");
        }

        int n = (int)headerLength;
        string? headerHash = CheckHeaderHash(bytes, n, path);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(8, n)))
        {
            throw new ModelFormatException($"{path}: the header is not valid UTF-8 text.");
        }

        using JsonDocument document = ParseJson(bytes.AsMemory(8, n), path, "the header");
        var (meta, entries) = ReadHeader(document.RootElement, path);
        if (meta.GetValueOrDefault("format") is not FormatName)
        {
            string what = meta.TryGetValue("format", out string? format) ? $"of format '{Show(format)}'" : "without Nabla's format name";
            throw new ModelFormatException($"{path}: not a Nabla model (a safetensors file {what}).");
        }

        string versionText = meta.GetValueOrDefault("format_version") ?? "";
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1 || version > FormatVersion)
        {
            throw new ModelFormatException($"{path}: model format version '{Show(versionText)}' is not supported by this Nabla (it reads versions 1 to {FormatVersion}); use the Nabla version that wrote it.");
        }

        if (headerHash is null ? version >= 2 : meta.GetValueOrDefault(HeaderHashKey) != headerHash)
        {
            throw new ModelFormatException($"{path}: the header's checksum ({HeaderHashKey}) is missing or misplaced: the file is corrupt.");
        }

        ReadOnlySpan<byte> data = bytes.AsSpan(8 + n);
        string expectedHash = meta.GetValueOrDefault("data_sha256") ?? throw new ModelFormatException($"{path}: the metadata has no data checksum.");
        if (Convert.ToHexStringLower(SHA256.HashData(data)) != expectedHash)
        {
            throw new ModelFormatException($"{path}: the weights are corrupt or truncated (checksum mismatch over {data.Length} data bytes).");
        }

        var tensors = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        foreach (var (name, entry) in entries)
        {
            tensors[name] = ReadTensorEntry(name, entry, data.Length, path);
        }

        CheckTiling(tensors, data.Length, path);
        int[] inputShape = ReadIntArray(meta, "input_shape", path);
        if (inputShape.Length == 0 || inputShape.Any(d => d < 1) || inputShape.Aggregate(1L, (a, d) => Math.Min(a * d, long.MaxValue / int.MaxValue)) > Array.MaxLength)
        {
            throw new ModelFormatException($"{path}: input_shape [{string.Join(", ", inputShape)}] is not a valid sample shape (one or more sizes, each ≥ 1).");
        }

        var model = new Sequential(inputShape) { OutputTransform = ParseOutputTransform(meta, path) };
        BuildLayers(model, meta, data.Length / sizeof(float), path);
        var modelTensors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Layer layer in model.Layers)
        {
            foreach (Parameter p in layer.Parameters.Concat(layer.Buffers))
            {
                string name = $"{layer.Name}.{p.Name}";
                if (!tensors.TryGetValue(name, out TensorEntry entry))
                {
                    throw new ModelFormatException($"{path}: tensor '{Show(name)}' is missing.");
                }

                if (!entry.Shape.AsSpan().SequenceEqual(p.Shape.ToArray()) || !modelTensors.Add(name))
                {
                    throw new ModelFormatException($"{path}: tensor '{Show(name)}' is [{string.Join(", ", entry.Shape)}] but the architecture needs {p.Shape}.");
                }

                ReadLittleEndian(data[(int)entry.Begin..(int)entry.End], p.Value);
                CheckFinite(name, p.Value, path);
            }
        }

        var extraTensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, entry) in tensors)
        {
            if (!modelTensors.Contains(name))
            {
                var values = new float[(entry.End - entry.Begin) / sizeof(float)];
                ReadLittleEndian(data[(int)entry.Begin..(int)entry.End], values);
                CheckFinite(name, values, path);
                extraTensors[name] = values;
            }
        }

        var metadata = ReadModelMetadata(meta, model, extraTensors, path);
        metadata = ReadTraining(meta.GetValueOrDefault(HistoryKey), meta.GetValueOrDefault(SettingsKey), metadata, path);
        model.Metadata = metadata;
        model.MarkInitialized();
        var extraMetadata = meta.Where(p => !s_knownMetadata.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return (model, metadata, extraMetadata, extraTensors);
    }

    private static readonly HashSet<string> s_knownMetadata = new(StringComparer.Ordinal)
    {
        "format", "format_version", "architecture", "input_shape", "class_names", "input_scale", "output_transform", "loss", "data_sha256",
        "task", "target_mean", "target_std", "feature_names", "target_name", "scaling", PreprocessingFormat.Key, "image_style", "training_data",
        HeaderHashKey, HistoryKey, SettingsKey, ForecastKey,
    };

    private static readonly JsonDocumentOptions s_jsonOptions = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    /// <summary>A tensor's place in the data section and its shape, as the header declares them (already checked).</summary>
    private readonly record struct TensorEntry(long Begin, long End, int[] Shape);

    /// <summary>The position (in <paramref name="header"/>) of the first header checksum's hex digits, or -1;
    /// <paramref name="count"/> is how many times the field occurs.</summary>
    private static int FindHeaderHash(ReadOnlySpan<byte> header, out int count)
    {
        ReadOnlySpan<byte> token = "\"header_sha256\":\""u8;
        int first = -1;
        count = 0;
        for (int from = 0, at; (at = header[from..].IndexOf(token)) >= 0; from += at + token.Length)
        {
            first = first < 0 ? from + at + token.Length : first;
            count++;
        }

        return first;
    }

    /// <summary>Checks the header checksum when the header has one (version 2), before anything is parsed; returns its
    /// digits, or null when the header has none (version 1, or a damaged key: the version check then decides).</summary>
    private static string? CheckHeaderHash(byte[] bytes, int headerLength, string path)
    {
        int at = FindHeaderHash(bytes.AsSpan(8, headerLength), out int count);
        if (count == 0)
        {
            return null;
        }

        ReadOnlySpan<byte> digits = bytes.AsSpan(8 + at, Math.Min(HashHexLength, headerLength - at));
        if (count > 1 || digits.Length != HashHexLength || at + HashHexLength >= headerLength || bytes[8 + at + HashHexLength] != (byte)'"'
            || digits.IndexOfAnyExcept("0123456789abcdef"u8) >= 0)
        {
            throw new ModelFormatException($"{path}: the header's checksum ({HeaderHashKey}) is malformed: the file is corrupt.");
        }

        string stored = Encoding.ASCII.GetString(digits);
        byte[] prefix = bytes[..(8 + headerLength)];
        prefix.AsSpan(8 + at, HashHexLength).Fill((byte)'0');
        if (Convert.ToHexStringLower(SHA256.HashData(prefix)) != stored)
        {
            throw new ModelFormatException($"{path}: the header is corrupt (checksum mismatch over its {headerLength} bytes): the file was damaged or edited.");
        }

        return stored;
    }

    /// <summary>Parses JSON with every string and name checked readable, so later reads cannot throw.</summary>
    internal static JsonDocument ParseJson(ReadOnlyMemory<byte> utf8, string path, string what)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, s_jsonOptions);
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path}: {what} is not valid JSON ({FirstLine(ex.Message)}).", ex);
        }

        try
        {
            CheckStrings(document.RootElement);
            return document;
        }
        catch (InvalidOperationException ex)
        {
            // An escape such as \udefa (half of a surrogate pair) parses, but cannot be read as a string.
            document.Dispose();
            throw new ModelFormatException($"{path}: {what} holds a string that is not valid text ({FirstLine(ex.Message)}).", ex);
        }
    }

    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    CheckStrings(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    _ = property.Name;
                    CheckStrings(property.Value);
                }

                break;
        }
    }

    /// <summary>The JSON held in the metadata string <paramref name="key"/> (architecture, class names, shapes).</summary>
    private static JsonDocument ParseNested(string text, string key, string path) =>
        ParseJson(Encoding.UTF8.GetBytes(text), path, $"__metadata__.{key}");

    /// <summary>Splits the header into the metadata (strings only, as safetensors requires) and the tensor entries.</summary>
    private static (Dictionary<string, string> Meta, Dictionary<string, JsonElement> Entries) ReadHeader(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{path}: the header is a JSON {Kind(root)}, not an object.");
        }

        Dictionary<string, string>? meta = null;
        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name != "__metadata__")
            {
                entries[property.Name] = property.Value;
                continue;
            }

            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: __metadata__ is a JSON {Kind(property.Value)}, not an object.");
            }

            meta = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty item in property.Value.EnumerateObject())
            {
                meta[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()!
                    : throw new ModelFormatException($"{path}: __metadata__.{Show(item.Name)} is a JSON {Kind(item.Value)}, but safetensors metadata holds strings only.");
            }
        }

        return (meta ?? throw new ModelFormatException($"{path}: not a Nabla model (a safetensors file without Nabla's __metadata__)."), entries);
    }

    /// <summary>Checks one entry {"dtype":"F32","shape":[…],"data_offsets":[begin,end]} against the data section.</summary>
    private static TensorEntry ReadTensorEntry(string name, JsonElement entry, int dataLength, string path)
    {
        string what = $"{path}: tensor '{Show(name)}'";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{what}: its entry is a JSON {Kind(entry)}, not an object.");
        }

        if (!entry.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String || dtype.GetString() != "F32")
        {
            string found = !entry.TryGetProperty("dtype", out dtype) ? "no dtype" : dtype.ValueKind == JsonValueKind.String ? $"dtype '{Show(dtype.GetString()!)}'" : $"a {Kind(dtype)} as dtype";
            throw new ModelFormatException($"{what} has {found}; Nabla files hold F32 tensors only.");
        }

        if (!entry.TryGetProperty("shape", out JsonElement shapeNode) || shapeNode.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException($"{what} has no shape (a list of sizes).");
        }

        var shape = new int[shapeNode.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (JsonElement size in shapeNode.EnumerateArray())
        {
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out shape[i]) || shape[i] < 0)
            {
                throw new ModelFormatException($"{what} has a shape size {Show(size.GetRawText())} that is not a whole number ≥ 0.");
            }

            count = Math.Min(count * shape[i++], (long)dataLength + 1);
        }

        if (!entry.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !TryGetOffset(offsets[0], out long begin) || !TryGetOffset(offsets[1], out long end))
        {
            throw new ModelFormatException($"{what} has no data_offsets [begin, end] of whole numbers ≥ 0.");
        }

        if (begin > end || end > dataLength || end - begin != count * sizeof(float))
        {
            throw new ModelFormatException($"{what} [{string.Join(", ", shape)}] has offsets [{begin}, {end}) that do not fit its shape or the {dataLength}-byte data section.");
        }

        return new TensorEntry(begin, end, shape);
    }

    private static bool TryGetOffset(JsonElement node, out long value)
    {
        value = 0;
        return node.ValueKind == JsonValueKind.Number && node.TryGetInt64(out value) && value >= 0;
    }

    /// <summary>The tensors must tile the data section exactly: in offset order, each begins where the previous ends.</summary>
    private static void CheckTiling(Dictionary<string, TensorEntry> tensors, int dataLength, string path)
    {
        long at = 0;
        string? previous = null;
        foreach (var (name, entry) in tensors.OrderBy(t => t.Value.Begin).ThenBy(t => t.Value.End))
        {
            if (entry.Begin < at)
            {
                throw new ModelFormatException($"{path}: tensors '{Show(previous!)}' and '{Show(name)}' overlap in the data section (at byte {entry.Begin}).");
            }

            if (entry.Begin > at)
            {
                throw new ModelFormatException($"{path}: bytes [{at}, {entry.Begin}) of the data section belong to no tensor.");
            }

            (at, previous) = (entry.End, name);
        }

        if (at != dataLength)
        {
            throw new ModelFormatException($"{path}: the data section holds {dataLength} bytes but the tensors use {at}.");
        }
    }

    /// <summary>A model with a NaN or infinite value cannot predict (a diverged run); nor can training resume from one.</summary>
    private static void CheckFinite(string name, float[] values, string path)
    {
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(values))
        {
            throw new ModelFormatException($"{path}: tensor '{Show(name)}' holds NaN or infinite values (saved from a diverged training run?).");
        }
    }

    private static OutputTransform ParseOutputTransform(Dictionary<string, string> meta, string path) =>
        Required(meta, "output_transform", path).ToLowerInvariant() switch
        {
            "none" => OutputTransform.None,
            "softmax" => OutputTransform.Softmax,
            "sigmoid" => OutputTransform.Sigmoid,
            string other => throw new ModelFormatException($"{path}: output_transform '{Show(other)}' is not one of none, softmax, sigmoid."),
        };

    /// <summary>Adds the architecture's layers to <paramref name="model"/>; a layer's weights must fit in the
    /// <paramref name="dataFloats"/> values the data section holds before the layer allocates them.</summary>
    private static void BuildLayers(Sequential model, Dictionary<string, string> meta, long dataFloats, string path)
    {
        using JsonDocument architecture = ParseNested(Required(meta, "architecture", path), "architecture", path);
        if (architecture.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException($"{path}: the architecture is a JSON {Kind(architecture.RootElement)}, not a list of layers.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement node in architecture.RootElement.EnumerateArray())
        {
            string label = $"{path}: layer {++index} of the architecture";
            if (node.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{label} is a JSON {Kind(node)}, not an object.");
            }

            string kind = StringField(node, "kind", label), name = StringField(node, "name", label);
            label = $"{path}: layer {index} ('{Show(name)}', {Show(kind)})";
            if (name.Length == 0 || !names.Add(name))
            {
                throw new ModelFormatException($"{label}: the name is empty or taken by another layer.");
            }

            if (!node.TryGetProperty("settings", out JsonElement settingsNode) || settingsNode.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{label} has no settings object.");
            }

            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty setting in settingsNode.EnumerateObject())
            {
                settings[setting.Name] = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString()!
                    : throw new ModelFormatException($"{label}: setting '{Show(setting.Name)}' is a JSON {Kind(setting.Value)}, not a string.");
            }

            // Built-in layers whose weights grow with the input: they must fit in the data section before Build
            // allocates them (a layer kind registered by a user is checked against its tensors after building).
            Layer layer = CreateLayer(kind, settings, label);
            Tensors.Shape input = model.OutputShape;
            // (in double: a convolution's filters · channels · kernel can pass the range of a long)
            double weights = layer switch
            {
                Dense dense when input.Rank > 0 => ((double)input[input.Rank - 1] + 1) * dense.Units,
                BatchNorm => 4.0 * (input.Rank == 3 ? input[0] : input.Count),
                Conv2D conv when input.Rank == 3 => (double)conv.Filters * input[0] * conv.KernelSize.Height * conv.KernelSize.Width + (conv.UseBias ? conv.Filters : 0),
                // W [features, gates·units], U [units, gates·units], b (and GRU's recurrent bias) [gates·units]
                RecurrentLayer recurrent when input.Rank == 2 => ((double)input[1] + recurrent.Units + (recurrent is Gru ? 2 : 1)) * recurrent.Gates * recurrent.Units,
                Embedding embedding => (double)embedding.Vocabulary * embedding.Dimension,
                _ => 0,
            };
            if (weights > dataFloats)
            {
                throw new ModelFormatException($"{label} needs {weights} weights but the data section holds {dataFloats} in all.");
            }

            dataFloats -= (long)weights;
            layer.Name = name;
            try
            {
                model.Add(layer);
            }
            catch (ShapeMismatchException ex)
            {
                throw new ModelFormatException($"{label}: {FirstLine(ex.Message)}", ex);
            }
        }
    }

    /// <summary>A layer from its kind and settings through the <see cref="LayerRegistry"/>; <paramref name="label"/>
    /// starts the error messages (the file and the layer).</summary>
    /// <exception cref="ModelFormatException">Unknown kind, or a setting that is missing, malformed or out of range.</exception>
    internal static Layer CreateLayer(string kind, IReadOnlyDictionary<string, string> settings, string label)
    {
        if (LayerRegistry.Find(kind) is not { } type)
        {
            throw new ModelFormatException($"{label}: unknown layer kind '{Show(kind)}' (written by a newer Nabla?).");
        }

        try
        {
            return type.FromSettings(settings);
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException($"{label}: {FirstLine(ex.Message)}", ex);
        }
    }

    private static ModelMetadata ReadModelMetadata(Dictionary<string, string> meta, Sequential model, Dictionary<string, float[]> extraTensors, string path)
    {
        TaskKind task = meta.GetValueOrDefault("task", "classification") switch
        {
            "classification" => TaskKind.Classification,
            "binary" => TaskKind.Binary,
            "regression" => TaskKind.Regression,
            "text" => TaskKind.Text,
            string other => throw new ModelFormatException($"{path}: task '{Show(other)}' is not one of classification, binary, regression, text."),
        };
        string[] classNames = ReadStringArray(meta, "class_names", path);
        int outputs = model.OutputShape.Count;
        (bool fits, string needs) = task switch
        {
            TaskKind.Classification => (classNames.Length == outputs, $"one per output unit ({outputs})"),
            TaskKind.Binary => (classNames.Length == 2 && outputs == 1, "2 for one output unit"),
            // a language model: [steps] ids in, [steps, vocabulary] logits out; the class names are the vocabulary
            TaskKind.Text => (model.InputShape.Rank == 1 && model.InputShape[0] >= 2 && model.OutputShape.Rank == 2 && model.OutputShape[0] == model.InputShape[0]
                && classNames.Length == model.OutputShape[1], "[steps ≥ 2] ids in (the boundary and a line), [steps, vocabulary] out, one name per token"),
            _ => (classNames.Length == 0, "none"),
        };
        if (!fits)
        {
            throw new ModelFormatException($"{path}: {classNames.Length} class names for a {task.ToString().ToLowerInvariant()} model with {outputs} output units; it needs {needs}.");
        }

        string loss = meta.GetValueOrDefault("loss", "cross-entropy");
        if (!Losses.Loss.Names.Contains(loss))
        {
            throw new ModelFormatException($"{path}: loss '{Show(loss)}' is not one of {string.Join(", ", Losses.Loss.Names)}.");
        }

        string[]? featureNames = meta.ContainsKey("feature_names") ? ReadStringArray(meta, "feature_names", path) : null;
        bool preprocessed = meta.TryGetValue(PreprocessingFormat.Key, out string? preprocessing);
        if (featureNames is not null && !preprocessed && featureNames.Length != model.InputShape.Count)
        {
            throw new ModelFormatException($"{path}: {featureNames.Length} feature names for a model that takes {model.InputShape.Count} inputs.");
        }

        if (task == TaskKind.Text)
        {
            CheckVocabulary(classNames, path);
            if (model.Layers.Count > 0 && model.Layers[0] is Embedding { Vocabulary: int ids } && ids < classNames.Length)
            {
                throw new ModelFormatException($"{path}: the embedding takes {ids} token ids but the vocabulary has {classNames.Length}, so generated ids would not fit.");
            }
        }

        double targetStd = MetaDouble(meta, "target_std", 1, path);
        if (!(targetStd > 0))
        {
            throw new ModelFormatException($"{path}: target_std {targetStd} is not positive.");
        }

        double targetMean = MetaDouble(meta, "target_mean", 0, path);
        Scaler? scaler = ReadScaler(meta, model.InputShape.Count, extraTensors, path);
        TabularPreprocessor? preprocessor = null;
        if (preprocessed)
        {
            if (scaler is null || featureNames is null)
            {
                throw new ModelFormatException($"{path}: a model with preprocessing needs its scaling and feature_names.");
            }

            preprocessor = PreprocessingFormat.Read(preprocessing!, scaler, model.InputShape.Count, targetMean, targetStd, path);
            if (!preprocessor.InputNames.SequenceEqual(featureNames, StringComparer.Ordinal))
            {
                throw new ModelFormatException($"{path}: feature_names do not match the columns of the preprocessing.");
            }
        }

        return new ModelMetadata(classNames, (float)MetaDouble(meta, "input_scale", null, path), loss)
        {
            Task = task,
            TargetMean = targetMean,
            TargetStd = targetStd,
            FeatureNames = featureNames,
            TargetName = meta.GetValueOrDefault("target_name"),
            Scaler = scaler,
            Preprocessor = preprocessor,
            ImageStyle = ReadImageStyle(meta, model, featureNames, path),
            TrainingData = ReadTrainingData(meta, model, path),
            Forecast = meta.TryGetValue(ForecastKey, out string? forecast) ? ReadForecast(forecast, task, model, path) : null,
        };
    }

    /// <summary>An image model's <c>image_style</c>: only for a model of one-channel images (not a tabular one), its box
    /// no larger than the image's smaller side.</summary>
    private static ImageStyle? ReadImageStyle(Dictionary<string, string> meta, Sequential model, string[]? featureNames, string path)
    {
        if (!meta.TryGetValue("image_style", out string? text))
        {
            return null;
        }

        if (featureNames is not null || ImageStyle.ImageSize(model.InputShape) is not var (height, width))
        {
            throw new ModelFormatException($"{path}: image_style is given for a model that does not take one-channel images (input {model.InputShape}).");
        }

        try
        {
            return ImageStyle.Parse(text, Math.Min(height, width));
        }
        catch (FormatException ex)
        {
            throw new ModelFormatException($"{path}: {FirstLine(ex.Message)}", ex);
        }
    }

    private static TrainingDataRecord? ReadTrainingData(Dictionary<string, string> meta, Sequential model, string path)
    {
        if (!meta.TryGetValue("training_data", out string? text))
        {
            return null;
        }

        try
        {
            return TrainingDataRecord.Parse(text, model.InputShape.Count);
        }
        catch (FormatException ex)
        {
            throw new ModelFormatException($"{path}: {FirstLine(ex.Message)}", ex);
        }
    }

    /// <summary>A text model's vocabulary (its class names): the line boundary, then distinct single characters.</summary>
    private static void CheckVocabulary(string[] vocabulary, string path)
    {
        if (vocabulary.Length < 2 || vocabulary[0] != TextCorpus.Boundary)
        {
            throw new ModelFormatException($"{path}: a text model's class names are its vocabulary: the line boundary \\n, then one or more characters.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string token in vocabulary)
        {
            if (token.Length != 1 || !seen.Add(token))
            {
                throw new ModelFormatException($"{path}: the text model's vocabulary holds '{Show(token)}', which is not one character or is there twice.");
            }
        }
    }

    /// <summary>A forecasting model's settings (metadata key <c>forecast</c>, a JSON object): window, horizon and
    /// season whole numbers in range, the columns distinct names, the date column a name or null — and the model's
    /// input [window, columns] and output [horizon], a regression model's.</summary>
    private static ForecastSettings ReadForecast(string text, TaskKind task, Sequential model, string path)
    {
        string what = $"{path}: __metadata__.{ForecastKey}";
        using JsonDocument document = ParseNested(text, ForecastKey, path);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{what} is a JSON {Kind(root)}, not an object.");
        }

        int Count(string key, int minimum) =>
            root.TryGetProperty(key, out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) && v >= minimum ? v
                : throw new ModelFormatException($"{what} has no {key} (a whole number ≥ {minimum}).");

        int window = Count("window", 1), horizon = Count("horizon", 1), season = Count("season", 0);
        if (!root.TryGetProperty("columns", out JsonElement columnsNode) || columnsNode.ValueKind != JsonValueKind.Array || columnsNode.GetArrayLength() == 0)
        {
            throw new ModelFormatException($"{what} has no columns (a list of the target's and the covariates' names).");
        }

        var columns = new List<string>();
        foreach (JsonElement column in columnsNode.EnumerateArray())
        {
            string name = column.ValueKind == JsonValueKind.String ? column.GetString()! : throw new ModelFormatException($"{what}: columns holds a JSON {Kind(column)}, not a name.");
            if (name.Length == 0 || columns.Contains(name, StringComparer.Ordinal))
            {
                throw new ModelFormatException($"{what}: column '{Show(name)}' is empty or named twice.");
            }

            columns.Add(name);
        }

        string? dateColumn = null;
        if (root.TryGetProperty("date_column", out JsonElement date) && date.ValueKind != JsonValueKind.Null)
        {
            dateColumn = date.ValueKind == JsonValueKind.String && date.GetString()!.Length > 0 && !columns.Contains(date.GetString()!, StringComparer.Ordinal) ? date.GetString()!
                : throw new ModelFormatException($"{what}: date_column is not null or the name of a column besides the series' columns.");
        }

        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name is not ("window" or "horizon" or "season" or "columns" or "date_column"))
            {
                throw new ModelFormatException($"{what} has an unknown field '{Show(property.Name)}'.");
            }
        }

        Tensors.Shape input = model.InputShape, output = model.OutputShape;
        if (task != TaskKind.Regression || input.Rank != 2 || input[0] != window || input[1] != columns.Count || output.Count != horizon)
        {
            throw new ModelFormatException($"{what}: a window of {window} steps of {columns.Count} column(s) forecasting {horizon} step(s) needs a regression model from [{window}, {columns.Count}] to [{horizon}], but this {task.ToString().ToLowerInvariant()} model maps {input} to {output}.");
        }

        return new ForecastSettings(window, horizon, season, columns, dateColumn);
    }

    private static Scaler? ReadScaler(Dictionary<string, string> meta, int inputs, Dictionary<string, float[]> extraTensors, string path)
    {
        if (!meta.TryGetValue("scaling", out string? scaling))
        {
            return null;
        }

        ScalingKind kind = scaling switch
        {
            "none" => ScalingKind.None,
            "minmax" => ScalingKind.MinMax,
            "standard" => ScalingKind.Standard,
            "fixed" => ScalingKind.Fixed,
            _ => throw new ModelFormatException($"{path}: scaling '{Show(scaling)}' is not one of none, minmax, standard, fixed."),
        };
        if (!extraTensors.Remove("preprocessing.offset", out float[]? offset) || !extraTensors.Remove("preprocessing.scale", out float[]? factors)
            || offset.Length != inputs || factors.Length != inputs)
        {
            throw new ModelFormatException($"{path}: the preprocessing tensors are missing or do not match the input size {inputs}.");
        }

        return new Scaler(kind, offset, factors);
    }

    private static string Required(Dictionary<string, string> meta, string key, string path) =>
        meta.TryGetValue(key, out string? value) ? value : throw new ModelFormatException($"{path}: the metadata has no {key}.");

    /// <summary>A finite number from the metadata; <paramref name="fallback"/> when the key is absent (null: required).</summary>
    private static double MetaDouble(Dictionary<string, string> meta, string key, double? fallback, string path)
    {
        if (!meta.TryGetValue(key, out string? text) && fallback is not null)
        {
            return fallback.Value;
        }

        text ??= Required(meta, key, path);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && float.IsFinite((float)value)
            ? value
            : throw new ModelFormatException($"{path}: {key} '{Show(text)}' is not a finite number.");
    }

    private static int[] ReadIntArray(Dictionary<string, string> meta, string key, string path)
    {
        using JsonDocument document = ParseNested(Required(meta, key, path), key, path);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException($"{path}: {key} is a JSON {Kind(document.RootElement)}, not a list of whole numbers.");
        }

        return document.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v
            : throw new ModelFormatException($"{path}: {key} holds {Show(e.GetRawText())}, not a whole number.")).ToArray();
    }

    private static string[] ReadStringArray(Dictionary<string, string> meta, string key, string path)
    {
        using JsonDocument document = ParseNested(Required(meta, key, path), key, path);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException($"{path}: {key} is a JSON {Kind(document.RootElement)}, not a list of strings.");
        }

        return document.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!
            : throw new ModelFormatException($"{path}: {key} holds a JSON {Kind(e)}, not a string.")).ToArray();
    }

    private static string StringField(JsonElement node, string key, string label) =>
        node.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw new ModelFormatException($"{label} has no {key} (a string).");

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    /// <summary>Text from the file as it may appear in a one-line message: control characters escaped, at most 60 characters.</summary>
    private static string Show(string text)
    {
        string shown = string.Concat(text.Take(60).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return text.Length > 60 ? shown + "…" : shown;
    }

    /// <summary>A library message (which may quote text from the file) as one line: control characters escaped.</summary>
    private static string FirstLine(string message)
    {
        string line = message.TrimEnd();
        return line.Any(char.IsControl) ? string.Concat(line.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : line;
    }

    /// <summary>The history and settings of the run that trained the model, as JSON strings (both optional: files
    /// written before they were kept have neither, and load as before).</summary>
    private static void WriteTraining(JsonObject meta, ModelMetadata metadata)
    {
        if (metadata.History is not null)
        {
            meta[HistoryKey] = metadata.History.ToJson();
        }

        if (metadata.TrainingSettings is not null)
        {
            var settings = new JsonObject();
            foreach (var (key, value) in metadata.TrainingSettings)
            {
                settings[key] = value;
            }

            meta[SettingsKey] = settings.ToJsonString();
        }
    }

    /// <summary>The metadata with the history and settings read from their keys' values (null when absent).</summary>
    private static ModelMetadata ReadTraining(string? historyText, string? settingsText, ModelMetadata metadata, string path)
    {
        TrainingHistory? history = null;
        if (historyText is not null)
        {
            try
            {
                history = TrainingHistory.FromJson(historyText);
            }
            catch (FormatException ex)
            {
                throw new ModelFormatException($"{path}: __metadata__.{HistoryKey}: {ex.Message}.", ex);
            }
        }

        List<KeyValuePair<string, string>>? settings = null;
        if (settingsText is not null)
        {
            string problem = $"{path}: __metadata__.{SettingsKey} is not a JSON object of strings.";
            try
            {
                JsonObject node = JsonNode.Parse(settingsText) as JsonObject ?? throw new ModelFormatException(problem);
                settings = [];
                foreach (var (key, value) in node)
                {
                    if (value is not JsonValue v || !v.TryGetValue(out string? text))
                    {
                        throw new ModelFormatException(problem);
                    }

                    settings.Add(new(key, text));
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
            {
                // malformed JSON, a duplicate name, a string that is half a surrogate pair
                throw new ModelFormatException(problem, ex);
            }
        }

        return metadata with { History = history, TrainingSettings = settings };
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
