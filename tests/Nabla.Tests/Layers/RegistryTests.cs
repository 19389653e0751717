using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Tests.Layers;

/// <summary>The layer registry: every kind round-trips its settings, is reachable from the architecture parser, and
/// a user's own kind joins by one registration.</summary>
public sealed class RegistryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-registry-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A layer of every registered kind with non-default settings where it has any, and an input it takes.</summary>
    public static TheoryData<string> Kinds()
    {
        var data = new TheoryData<string>();
        foreach (LayerType type in LayerRegistry.Types)
        {
            data.Add(type.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_round_trips_its_settings_and_its_defaults_are_canonical(string kind)
    {
        LayerType type = LayerRegistry.Get(kind);
        Layer layer = Example(type);
        Assert.Same(type, layer.Type);
        Layer again = type.FromSettings(layer.Settings);
        Assert.Equal(layer.Settings, again.Settings);
        Assert.Equal(layer.GetType(), again.GetType());

        // Defaults are written in the canonical form the parser produces, so a saved default reads back unchanged.
        foreach (LayerParameter parameter in type.Parameters.Where(p => !p.Required))
        {
            string[] required = type.Parameters.Where(p => p.Required).Select(ExampleValue).ToArray();
            var arguments = LayerArguments.FromCall(type, required, parameter.Kind == ParameterKind.Seed ? [] : [new(parameter.Name, parameter.Default!)]);
            Assert.Equal(parameter.Default, arguments.Values[parameter.Name]);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_saves_loads_and_makes_a_replica_in_a_model(string kind)
    {
        LayerType type = LayerRegistry.Get(kind);
        var model = new Sequential(InputFor(type)).Add(Example(type));
        if (model.OutputShape.Rank > 1)
        {
            model.Add(new Flatten());
        }

        model.Add(new Dense(3));
        model.Initialize(seed: 5);
        string path = Path.Combine(_folder, kind + ".nabla");
        ModelFile.Save(path, model, new ModelMetadata(["a", "b", "c"], 1f, "cross-entropy"));
        Sequential loaded = ModelFile.Load(path).Model;
        Assert.Equal(model.Layers.Select(l => (l.Kind, l.Name)), loaded.Layers.Select(l => (l.Kind, l.Name)));
        Assert.Equal(model.Layers.Select(l => l.Settings), loaded.Layers.Select(l => l.Settings));

        var x = new Tensor(model.InputShape.WithBatchDimension(4));
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = type.Name == "embedding" ? i % 7 : (i % 7) * 0.25f - 0.5f;
        }

        Assert.Equal(model.Forward(x, training: false).Span.ToArray(), loaded.Forward(x, training: false).Span.ToArray());
        if (!model.Layers[0].MixesBatch)
        {
            Sequential replica = model.TryCreateReplica()!;
            Assert.Equal(model.Forward(x, training: false).Span.ToArray(), replica.Forward(x, training: false).Span.ToArray());
            Assert.Same(model.Parameters[^1].Value, replica.Parameters[^1].Value);
            Assert.NotSame(model.Parameters[^1].Gradient, replica.Parameters[^1].Gradient);
        }
    }

    [Fact]
    public void The_architecture_parser_reaches_every_kind_and_points_at_bad_tokens()
    {
        foreach (LayerType type in LayerRegistry.Types)
        {
            string call = type.Parameters.Any(p => p.Required) ? $"{type.Name}({string.Join(", ", type.Parameters.Where(p => p.Required).Select(ExampleValue))})" : type.Name;
            Assert.Equal(type, ArchitectureParser.Parse(call).Single().Type);
        }

        var calls = ArchitectureParser.Parse("dense(32, initializer=he-normal) leaky_relu(slope=0.2) dropout(0.5) reshape(4, 8)");
        Assert.Equal(["dense", "leaky-relu", "dropout", "reshape"], calls.Select(c => c.Type.Name));
        Assert.Equal("he-normal", calls[0].Arguments.Choice("initializer"));
        Assert.Equal([4, 8], calls[3].Arguments.Ints("shape"));
        Assert.Equal(34, calls[1].Column);

        foreach (var (text, token) in new[]
        {
            ("dense(32) frobnicate", "column 11 ('frobnicate')"),
            ("dense(x)", "units must be a whole number"),
            ("dense(32, units=4)", "given twice"),
            ("dense(32", "never closed"),
            ("dropout(rate=0.5, 0.2)", "after a keyword"),
            ("dense(32, colour=red)", "no argument 'colour'"),
            ("dropout(1.5)", "rate must be a number in [0, 1)"),
            ("", "empty"),
        })
        {
            var error = Assert.Throws<FormatException>(() => ArchitectureParser.Parse(text));
            Assert.Contains(token, error.Message);
        }
    }

    [Fact]
    public void A_users_own_layer_kind_joins_with_one_registration_and_then_saves_and_loads()
    {
        LayerRegistry.Register(Scale.Definition);
        var model = new Sequential(3).Add(new Scale(2.5f)).Add(new Dense(2));
        model.Initialize(1);
        string path = Path.Combine(_folder, "own.nabla");
        ModelFile.Save(path, model, new ModelMetadata(["x", "y"], 1f, "cross-entropy"));
        Assert.Equal(2.5f, ((Scale)ModelFile.Load(path).Model.Layers[0]).Factor);
        Assert.NotNull(model.TryCreateReplica());
        Assert.Equal("scale", ArchitectureParser.Parse("scale(3)").Single().Type.Name);
        Assert.Throws<ArgumentException>(() => LayerRegistry.Register(Scale.Definition with { Create = _ => new Scale(1) }));
    }

    private static Shape InputFor(LayerType type) => type.Name switch
    {
        "reshape" => new Shape(24),
        "batch-norm" => new Shape(6),
        "conv2d" or "maxpool2d" or "avgpool2d" or "global-avgpool2d" => new Shape(2, 6, 7),
        "embedding" => new Shape(6),
        _ => new Shape(4, 6),
    };

    private static Layer Example(LayerType type)
    {
        // An embedding needs its vocabulary (otherwise taken from the data of --task text): the inputs below are ids < 7.
        KeyValuePair<string, string>[] keywords = type.Name == "embedding" ? [new("vocabulary", "7")] : [];
        Layer layer = type.Create(LayerArguments.FromCall(type, type.Parameters.Where(p => p.Required).Select(ExampleValue).ToArray(), keywords));
        if (!layer.IsBuilt)
        {
            layer.Build(InputFor(type));
        }

        return layer;
    }

    private static string ExampleValue(LayerParameter parameter) => parameter.Kind switch
    {
        ParameterKind.Int => "5",
        ParameterKind.Float => "0.25",
        ParameterKind.Pair => "(2, 3)",
        ParameterKind.IntList => "6, 4",
        ParameterKind.Bool => "true",
        ParameterKind.Choice => parameter.Choices![^1],
        _ => "7",
    };

    /// <summary>y = factor·x: a user's own layer.</summary>
    private sealed class Scale(float factor) : Activation
    {
        public static LayerType Definition { get; } = new("scale", "y = factor·x", [new("factor", ParameterKind.Float)], a => new Scale(a.Float("factor")));

        public float Factor => factor;

        public override LayerType Type => Definition;

        public override IReadOnlyDictionary<string, string> Settings => SettingsOf(("factor", factor.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

        protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y) => System.Numerics.Tensors.TensorPrimitives.Multiply(x, factor, y);

        protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX) => System.Numerics.Tensors.TensorPrimitives.Multiply(dY, factor, dX);
    }
}
