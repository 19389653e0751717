using Nabla.Layers;

namespace Nabla.Onnx;

/// <summary>
/// The ONNX form of every layer kind, in one table keyed by the registry's <see cref="LayerType"/> (opset
/// <see cref="OnnxExporter.Opset"/>). A new kind is one entry here — a convolution, for instance, a <c>Conv</c> node
/// with its [filters, channels, h, w] weights as they are and its pads and strides as attributes; a user's own kind
/// joins with <see cref="Register"/>. A model with a kind that has no entry is refused before anything is written.
/// </summary>
public static class OnnxLayerMappings
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<LayerType, OnnxLayerMapping> s_mappings = new()
    {
        [Dense.Definition] = MapDense,
        [ReLU.Definition] = (layer, graph, x) => graph.Node("Relu", [x]),
        [LeakyReLU.Definition] = (layer, graph, x) => graph.Node("LeakyRelu", [x], OnnxAttribute.Of("alpha", ((LeakyReLU)layer).Slope)),
        [Sigmoid.Definition] = (layer, graph, x) => graph.Node("Sigmoid", [x]),
        [Tanh.Definition] = (layer, graph, x) => graph.Node("Tanh", [x]),
        // opset 13's Softmax normalizes along one axis, as the layer does (the last).
        [Softmax.Definition] = (layer, graph, x) => graph.Node("Softmax", [x], OnnxAttribute.Of("axis", -1L)),
        // inverted dropout is the identity at inference
        [Dropout.Definition] = (layer, graph, x) => graph.Node("Identity", [x]),
        [BatchNorm.Definition] = MapBatchNorm,
        [Flatten.Definition] = (layer, graph, x) => graph.Node("Flatten", [x], OnnxAttribute.Of("axis", 1L)),
        [Reshape.Definition] = MapReshape,
    };

    /// <summary>The kinds that can be exported.</summary>
    public static IReadOnlyList<LayerType> Kinds
    {
        get
        {
            lock (s_lock)
            {
                return [.. s_mappings.Keys];
            }
        }
    }

    /// <summary>Adds (or replaces) the mapping of <paramref name="type"/> (a user's own layer kind).</summary>
    public static void Register(LayerType type, OnnxLayerMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(mapping);
        lock (s_lock)
        {
            s_mappings[type] = mapping;
        }
    }

    /// <summary>The mapping of <paramref name="type"/>, or null.</summary>
    public static OnnxLayerMapping? Find(LayerType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (s_lock)
        {
            return s_mappings.GetValueOrDefault(type);
        }
    }

    /// <summary>Y = X·W + b with W stored [in, out], as ONNX's MatMul wants it (no transpose): one Gemm for flat inputs,
    /// MatMul + Add on the last dimension of higher-rank ones (a sequence, as the layer does).</summary>
    private static string MapDense(Layer layer, OnnxGraph graph, string x)
    {
        var dense = (Dense)layer;
        int inputs = dense.Weight.Shape[0];
        string w = graph.Constant("weight", dense.Weight.Value, inputs, dense.Units);
        string b = graph.Constant("bias", dense.Bias.Value, dense.Units);
        return dense.InputShape.Rank == 1
            ? graph.Node("Gemm", [x, w, b])
            : graph.Node("Add", [graph.Node("MatMul", [x, w]), b]);
    }

    /// <summary>BatchNormalization in inference mode, on [batch, features] (ONNX's channel axis is 1): the running
    /// mean and variance, γ, β and ε.</summary>
    private static string MapBatchNorm(Layer layer, OnnxGraph graph, string x)
    {
        var norm = (BatchNorm)layer;
        int f = norm.Scale.Shape[0];
        return graph.Node("BatchNormalization",
            [x, graph.Constant("weight", norm.Scale.Value, f), graph.Constant("bias", norm.Shift.Value, f),
             graph.Constant("running_mean", norm.RunningMean.Value, f), graph.Constant("running_var", norm.RunningVariance.Value, f)],
            OnnxAttribute.Of("epsilon", norm.Epsilon));
    }

    /// <summary>Reshape to [batch (0: kept), OutputShape…], the −1 already resolved.</summary>
    private static string MapReshape(Layer layer, OnnxGraph graph, string x)
    {
        long[] shape = [0, .. layer.OutputShape.ToArray().Select(d => (long)d)];
        return graph.Node("Reshape", [x, graph.Int64Constant("shape", shape, shape.Length)]);
    }
}
