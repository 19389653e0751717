using System.Globalization;
using System.Text.Json;
using Nabla.Data;
using Nabla.Models;
using Nabla.Data.Preprocessing;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli.Serve;

/// <summary>What a <c>POST /predict</c> holds, as raw model inputs (pixels 0..255, column values as in the CSV).</summary>
/// <param name="Raw">One array of <c>InputShape.Count</c> raw values per sample.</param>
/// <param name="Names">Per sample: the file name of an upload, <c>image</c>, <c>row i</c> or <c>sample i</c>.</param>
/// <param name="Images">Whether the samples are pictures (run through MNIST's preprocessing).</param>
internal sealed record RequestSamples(List<float[]> Raw, List<string> Names, bool Images)
{
    /// <summary>The model's inputs when the request's rows went through the model's table preprocessing (categories,
    /// imputation, scaling); null when <see cref="Raw"/> is still to be scaled.</summary>
    public Tensor? Inputs { get; init; }
}

/// <summary>
/// Reads the body of <c>POST /predict</c> by its content type:
/// <c>image/png</c>, <c>image/jpeg</c>, <c>image/bmp</c> (or <c>application/octet-stream</c> holding one of them): one
/// picture, decoded and preprocessed as <c>nabla predict</c> does; <c>multipart/form-data</c>: every file part a picture
/// (a batch), or for a tabular model form fields named after its features; <c>text/csv</c>: rows of values, with the
/// model's column names as a header or in the model's order; <c>application/json</c>: one sample as an array of
/// numbers, a batch as an array of arrays, a tabular sample as an object of feature names, or a list of such objects.
/// </summary>
internal static class RequestReader
{
    /// <summary>The most samples one request may hold.</summary>
    public const int MaxSamples = 1000;

    /// <summary>The content types <c>POST /predict</c> takes, for the 415 message.</summary>
    public const string Accepted = "image/png, image/jpeg, image/bmp, multipart/form-data (image files or feature fields), text/csv, application/json";

    public static RequestSamples FromImages(IEnumerable<(string Name, byte[] Bytes)> images, Sequential model, ModelMetadata metadata)
    {
        if (metadata.FeatureNames is not null)
        {
            throw new RequestException(415, $"this model takes the columns {Columns(metadata)}, not images: send text/csv or application/json.");
        }

        if (ImageStyle.ImageSize(model.InputShape) is null)
        {
            throw new RequestException(415, $"this model takes samples of shape {model.InputShape}, not one-channel images.");
        }

        var result = new RequestSamples([], [], true);
        foreach (var (name, bytes) in images)
        {
            CheckCount(result.Raw.Count + 1);
            try
            {
                result.Raw.Add(ImageInput.ForModel(ImageInput.Decode(bytes, name), model.InputShape, metadata, name));
            }
            catch (Exception ex) when (ex is DataFormatException or UsageException)
            {
                throw new RequestException(400, ex.Message);
            }

            result.Names.Add(name);
        }

        return result.Raw.Count > 0 ? result : throw new RequestException(400, "the form holds no image file.");
    }

    public static RequestSamples FromFields(IEnumerable<KeyValuePair<string, string>> fields, Sequential model, ModelMetadata metadata)
    {
        var values = fields.ToDictionary(f => f.Key, f => (object?)f.Value, StringComparer.OrdinalIgnoreCase);
        if (metadata.Preprocessor is not null)
        {
            return FromObjects([values], model, metadata, ["form"]);
        }

        return new RequestSamples([Sample(values, model, metadata, "the form")], ["form"], false);
    }

    /// <summary>CSV rows, read by the same loader as <c>nabla predict</c> (through a temporary file).</summary>
    public static RequestSamples FromCsv(byte[] body, Sequential model, ModelMetadata metadata)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nabla-serve-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllBytes(file, body);
            if (metadata.Preprocessor is not null)
            {
                // Columns by name, categories and missing cells as training read them, then the model's preprocessing.
                CsvTable rows = CsvLoader.Load(file, DataPreparation.ReadOptions(metadata, model.InputShape.Count, targetRequired: false));
                CheckCount(rows.Rows);
                Tensor inputs = DataPreparation.Inputs(rows, metadata, out _);
                var preprocessed = new RequestSamples([], [], false) { Inputs = inputs };
                for (int i = 0; i < rows.Rows; i++)
                {
                    preprocessed.Raw.Add(inputs.Row(i).ToArray());
                    preprocessed.Names.Add(string.Create(CultureInfo.InvariantCulture, $"row {i}"));
                }

                return preprocessed;
            }

            CsvTable table = CsvLoader.Load(file, new CsvOptions
            {
                TargetRequired = false,
                FeatureNames = metadata.FeatureNames ?? DataPreparation.PixelNames(model.InputShape.Count),
            });
            if (table.FeatureNames.Length != model.InputShape.Count)
            {
                throw new RequestException(400, $"the CSV rows have {table.FeatureNames.Length} values but the model takes {model.InputShape.Count}.");
            }

            CheckCount(table.Rows);
            var result = new RequestSamples([], [], false);
            int width = table.FeatureNames.Length;
            float[] features = table.NumericMatrix();
            for (int i = 0; i < table.Rows; i++)
            {
                result.Raw.Add(features.AsSpan(i * width, width).ToArray());
                result.Names.Add(string.Create(CultureInfo.InvariantCulture, $"row {i}"));
            }

            return result;
        }
        catch (DataFormatException ex)
        {
            throw new RequestException(400, ex.Message.Replace(file, "the CSV body", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static RequestSamples FromJson(byte[] body, Sequential model, ModelMetadata metadata)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new RequestException(400, $"the body is not valid JSON ({ex.Message.Split('\n')[0]}).");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (metadata.Preprocessor is not null)
            {
                return FromJsonObjects(root, model, metadata);
            }

            var result = new RequestSamples([], [], false);
            if (root.ValueKind == JsonValueKind.Object)
            {
                result.Raw.Add(Sample(Properties(root, "the object"), model, metadata, "the object"));
                result.Names.Add("sample 0");
                return result;
            }

            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0)
            {
                throw new RequestException(400, "send a JSON array of numbers (one sample), an array of arrays (a batch), or an object of feature values.");
            }

            if (root[0].ValueKind == JsonValueKind.Number)
            {
                result.Raw.Add(Numbers(root, model, "the array"));
                result.Names.Add("sample 0");
                return result;
            }

            CheckCount(root.GetArrayLength());
            int i = 0;
            foreach (JsonElement item in root.EnumerateArray())
            {
                string label = string.Create(CultureInfo.InvariantCulture, $"sample {i}");
                result.Raw.Add(item.ValueKind switch
                {
                    JsonValueKind.Array => Numbers(item, model, label),
                    JsonValueKind.Object => Sample(Properties(item, label), model, metadata, label),
                    _ => throw new RequestException(400, $"{label} is a JSON {item.ValueKind.ToString().ToLowerInvariant()}, not an array of numbers or an object."),
                });
                result.Names.Add(label);
                i++;
            }

            return result;
        }
    }

    /// <summary>A model with table preprocessing takes an object of column values, or an array of them.</summary>
    private static RequestSamples FromJsonObjects(JsonElement root, Sequential model, ModelMetadata metadata)
    {
        if (root.ValueKind == JsonValueKind.Object)
        {
            return FromObjects([Properties(root, "the object")], model, metadata, ["sample 0"]);
        }

        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0 || root.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object))
        {
            throw new RequestException(400, $"this model takes the columns {Columns(metadata)} (text categories among them): send an object of column values, an array of such objects, or text/csv.");
        }

        CheckCount(root.GetArrayLength());
        var rows = root.EnumerateArray().Select((e, i) => Properties(e, string.Create(CultureInfo.InvariantCulture, $"sample {i}"))).ToList();
        return FromObjects(rows, model, metadata, Enumerable.Range(0, rows.Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"sample {i}")).ToList());
    }

    /// <summary>Rows of named column values (a cell left out is missing) as a CSV table, read as the model's training
    /// read its file.</summary>
    private static RequestSamples FromObjects(List<Dictionary<string, object?>> rows, Sequential model, ModelMetadata metadata, List<string> names)
    {
        IReadOnlyList<string> columns = metadata.FeatureNames!;
        var csv = new System.Text.StringBuilder();
        csv.AppendJoin(',', columns.Select(Quote)).Append('\n');
        for (int i = 0; i < rows.Count; i++)
        {
            string? unknown = rows[i].Keys.FirstOrDefault(k => !columns.Contains(k, StringComparer.OrdinalIgnoreCase));
            if (unknown is not null)
            {
                throw new RequestException(400, $"{names[i]}: '{Short(unknown)}' is not one of the model's columns ({Columns(metadata)}).");
            }

            csv.AppendJoin(',', columns.Select(c => rows[i].TryGetValue(c, out object? v) ? Quote(v switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                string text => text,
                _ => "",
            }) : "")).Append('\n');
        }

        RequestSamples read = FromCsv(System.Text.Encoding.UTF8.GetBytes(csv.ToString()), model, metadata);
        read.Names.Clear();
        read.Names.AddRange(names);
        return read;
    }

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    private static Dictionary<string, object?> Properties(JsonElement node, string label)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty p in node.EnumerateObject())
        {
            values[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.Number => p.Value.GetDouble(),
                JsonValueKind.String => p.Value.GetString(),
                _ => throw new RequestException(400, $"{label}: '{Short(p.Name)}' is a JSON {p.Value.ValueKind.ToString().ToLowerInvariant()}, not a number."),
            };
        }

        return values;
    }

    private static float[] Numbers(JsonElement array, Sequential model, string label)
    {
        int count = model.InputShape.Count;
        if (array.GetArrayLength() != count)
        {
            throw new RequestException(400, $"{label} has {array.GetArrayLength()} values but the model takes {count} (shape {model.InputShape}).");
        }

        var values = new float[count];
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray())
        {
            values[i] = e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double v) && float.IsFinite((float)v) ? (float)v
                : throw new RequestException(400, $"{label}: value {i} is not a finite number.");
            i++;
        }

        return values;
    }

    /// <summary>A tabular sample from values named after the model's features (all of them, nothing else).</summary>
    private static float[] Sample(Dictionary<string, object?> values, Sequential model, ModelMetadata metadata, string label)
    {
        if (metadata.FeatureNames is null)
        {
            throw new RequestException(400, $"{label}: this model takes {model.InputShape.Count} values (an image of shape {model.InputShape}), not named features: send an image or an array of numbers.");
        }

        string? unknown = values.Keys.FirstOrDefault(k => !metadata.FeatureNames.Contains(k, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null)
        {
            throw new RequestException(400, $"{label}: '{Short(unknown)}' is not one of the model's columns ({Columns(metadata)}).");
        }

        var sample = new float[metadata.FeatureNames.Count];
        for (int j = 0; j < sample.Length; j++)
        {
            string name = metadata.FeatureNames[j];
            object? value = values.TryGetValue(name, out object? v) ? v : throw new RequestException(400, $"{label}: the column '{name}' is missing.");
            double number = value switch
            {
                double d => d,
                string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
                _ => double.NaN,
            };
            sample[j] = float.IsFinite((float)number) ? (float)number : throw new RequestException(400, $"{label}: '{name}' is not a finite number.");
        }

        return sample;
    }

    private static void CheckCount(int count)
    {
        if (count > MaxSamples)
        {
            throw new RequestException(413, $"at most {MaxSamples} samples per request.");
        }
    }

    private static string Columns(ModelMetadata metadata) =>
        string.Join(", ", metadata.FeatureNames!.Take(8)) + (metadata.FeatureNames!.Count > 8 ? ", …" : "");

    private static string Short(string text) => text.Length > 60 ? text[..60] + "…" : text.Replace('\n', ' ').Replace('\r', ' ');
}
