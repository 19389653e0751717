using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Nabla.Layers;
using Onnx;

namespace Nabla.Onnx;

/// <summary>
/// The ONNX graph being written, as a layer mapping sees it: add weight tensors (initializers) and nodes, each node's
/// output named uniquely after the layer it comes from. A mapping never sees protobuf types.
/// </summary>
public sealed class OnnxGraph
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    internal OnnxGraph(string name) => Proto = new GraphProto { Name = name };

    /// <summary>The name new tensors are prefixed with (the layer being mapped, "dense_1").</summary>
    public string Scope { get; internal set; } = "";

    internal GraphProto Proto { get; }

    /// <summary>A float tensor of <paramref name="dimensions"/> holding <paramref name="values"/> (row-major), named
    /// "scope.name"; returns the name.</summary>
    public string Constant(string name, ReadOnlySpan<float> values, params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        CheckCount(name, values.Length, dimensions);
        byte[] bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return AddInitializer(name, TensorProto.Types.DataType.Float, bytes, dimensions);
    }

    /// <summary>An int64 tensor (a shape for Reshape, axes); returns its name.</summary>
    public string Int64Constant(string name, ReadOnlySpan<long> values, params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        CheckCount(name, values.Length, dimensions);
        byte[] bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        return AddInitializer(name, TensorProto.Types.DataType.Int64, bytes, dimensions);
    }

    /// <summary>A node of the standard domain (opset <see cref="OnnxExporter.Opset"/>) with one output; returns the
    /// output's name ("scope/OpType").</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes) => Node(opType, inputs, 1, attributes)[0];

    /// <summary>A node with <paramref name="outputs"/> outputs (ONNX's RNN, LSTM and GRU give Y, every step's state,
    /// and Y_h, the last one's); returns their names ("scope/OpType", then "scope/OpType:1", …). Outputs nobody reads
    /// are allowed.</summary>
    public IReadOnlyList<string> Node(string opType, IReadOnlyList<string> inputs, int outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        string[] names = new string[outputs];
        names[0] = Unique($"{Scope}/{opType}");
        for (int i = 1; i < outputs; i++)
        {
            names[i] = Unique($"{names[0]}:{i.ToString(CultureInfo.InvariantCulture)}");
        }

        var node = new NodeProto { OpType = opType, Name = names[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(names);
        foreach (OnnxAttribute a in attributes)
        {
            var attribute = new AttributeProto { Name = a.Name };
            if (a.Float is { } f)
            {
                (attribute.Type, attribute.F) = (AttributeProto.Types.AttributeType.Float, f);
            }
            else if (a.Int is { } i)
            {
                (attribute.Type, attribute.I) = (AttributeProto.Types.AttributeType.Int, i);
            }
            else
            {
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(a.Ints ?? []);
            }

            node.Attribute.Add(attribute);
        }

        Proto.Node.Add(node);
        return names;
    }

    /// <summary>Renames the last node's output to <paramref name="name"/> (a graph output).</summary>
    internal void NameLastOutput(string name)
    {
        NodeProto last = Proto.Node[^1];
        _names.Add(name);
        last.Output[0] = name;
    }

    private string AddInitializer(string name, TensorProto.Types.DataType type, byte[] bytes, long[] dimensions)
    {
        string full = Unique(Scope.Length == 0 ? name : $"{Scope}.{name}");
        var tensor = new TensorProto { Name = full, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dimensions);
        Proto.Initializer.Add(tensor);
        return full;
    }

    private string Unique(string name)
    {
        string candidate = name;
        for (int i = 2; !_names.Add(candidate); i++)
        {
            candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static void CheckCount(string name, int count, long[] dimensions)
    {
        if (dimensions.Aggregate(1L, (a, d) => a * d) != count)
        {
            throw new ArgumentException($"The tensor '{name}' has {count} values but the dimensions [{string.Join(", ", dimensions)}] hold {dimensions.Aggregate(1L, (a, d) => a * d)}.");
        }
    }
}

/// <summary>How one layer kind becomes ONNX nodes: given the layer (built, with its weights) and the name of its input
/// tensor [batch, InputShape…], it adds nodes to <paramref name="graph"/> and returns the name of its output tensor
/// [batch, OutputShape…]. Inference only: dropout is the identity, batch norm uses its running statistics.</summary>
public delegate string OnnxLayerMapping(Layer layer, OnnxGraph graph, string input);
