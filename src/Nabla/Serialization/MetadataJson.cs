using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nabla.Serialization;

/// <summary>The strict reading that a model file's small JSON metadata values share (image_style, training_data):
/// valid JSON, a single object, no duplicate keys, shallow.</summary>
internal static class MetadataJson
{
    private static readonly JsonDocumentOptions s_options = new() { AllowDuplicateProperties = false, MaxDepth = 4 };

    /// <summary>Parses <paramref name="text"/>, the value of metadata key <paramref name="key"/>, as one JSON object.</summary>
    /// <exception cref="FormatException">Not valid JSON, or not an object; the message names the key.</exception>
    public static JsonObject ParseObject(string text, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return JsonNode.Parse(text, documentOptions: s_options) as JsonObject ?? throw new FormatException($"{key} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{key} is not valid JSON.", ex);
        }
    }
}
