using System.Text;
using Nabla.Layers;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Serialization;

/// <summary>docs/MODEL_FORMAT.md's table of layer kinds is the registry's: every kind, its settings and its tensors.
/// On a mismatch the message holds the table to paste (or run the test with NABLA_UPDATE_DOCS=1 to write it).</summary>
public sealed class ModelFormatDocTests
{
    private const string Begin = "<!-- layer-kinds:begin (generated from LayerRegistry.Types by ModelFormatDocTests) -->";
    private const string End = "<!-- layer-kinds:end -->";

    [Fact]
    public void The_model_format_doc_lists_every_layer_kind_with_its_settings_and_tensors()
    {
        string path = Path.Combine(TestData.RepositoryRoot, "docs", "MODEL_FORMAT.md");
        string doc = File.ReadAllText(path);
        int begin = doc.IndexOf(Begin, StringComparison.Ordinal), end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"{path} has no {Begin} … {End} block");
        string expected = Table();
        string actual = doc[(begin + Begin.Length)..end].Trim('\n');
        if (actual != expected && Environment.GetEnvironmentVariable("NABLA_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, doc[..(begin + Begin.Length)] + "\n" + expected + "\n" + doc[end..]);
            return;
        }

        Assert.True(actual == expected, $"docs/MODEL_FORMAT.md's layer table is not the registry's; it should read:\n{expected}");
    }

    /// <summary>One row per built-in kind: name, settings (kind, default), the tensors it stores, its description.</summary>
    private static string Table()
    {
        var text = new StringBuilder("| kind | settings (type, default) | tensors `{name}.…` | what it computes |\n|---|---|---|---|\n");
        foreach (LayerType type in LayerRegistry.Types.Where(TestModels.IsBuiltIn))
        {
            string settings = type.Parameters.Count == 0 ? "—" : string.Join("; ", type.Parameters.Select(Describe));
            Layer layer = Example(type);
            string tensors = string.Join(", ", layer.Parameters.Select(p => $"`{p.Name}`").Concat(layer.Buffers.Select(b => $"`{b.Name}` (buffer)")));
            text.Append($"| `{type.Name}` | {settings} | {(tensors.Length == 0 ? "—" : tensors)} | {type.Description} |\n");
        }

        return text.ToString().TrimEnd('\n');
    }

    private static string Describe(LayerParameter p)
    {
        string kind = p.Kind switch
        {
            ParameterKind.Choice => "one of " + string.Join(", ", p.Choices!),
            ParameterKind.Seed => "seed, set by the model",
            ParameterKind.IntList => "list of whole numbers, \"a,b,…\"",
            ParameterKind.Pair => "whole number or pair \"h,w\"",
            _ => p.Kind.ToString().ToLowerInvariant(),
        };
        return $"`{p.Name}` ({kind}{(p.Required ? ", required" : $", default `{p.Default}`")})";
    }

    private static Layer Example(LayerType type)
    {
        string[] values = type.Parameters.Where(p => p.Required && p.Kind != ParameterKind.Seed).Select(p => p.Kind switch
        {
            ParameterKind.IntList => "6,4",
            ParameterKind.Pair => "3",
            ParameterKind.Float => "0.5",
            _ => "4",
        }).ToArray();
        // an embedding needs a vocabulary (--task text takes the data's)
        KeyValuePair<string, string>[] keywords = type.Name == "embedding" ? [new("vocabulary", "10")] : [];
        Layer layer = type.Create(LayerArguments.FromCall(type, values, keywords));
        layer.Build(type.Name switch
        {
            "reshape" => new Nabla.Tensors.Shape(24),
            "batch-norm" => new Nabla.Tensors.Shape(6),
            "simple-rnn" or "lstm" or "gru" => new Nabla.Tensors.Shape(8, 3),
            "embedding" => new Nabla.Tensors.Shape(8),
            _ => new Nabla.Tensors.Shape(3, 8, 8),
        });
        return layer;
    }
}
