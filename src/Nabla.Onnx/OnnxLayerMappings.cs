using Nabla.Layers;

namespace Nabla.Onnx;

/// <summary>
/// The ONNX form of every layer kind, in one table keyed by the registry's <see cref="LayerType"/> (opset
/// <see cref="OnnxExporter.Opset"/>). A new kind is one entry here — a convolution, for instance, a <c>Conv</c> node
/// with its [filters, channels, h, w] weights as they are and its pads and strides as attributes, a recurrent layer
/// ONNX's RNN, LSTM or GRU node with its gates reordered; a user's own kind
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
        [Conv2D.Definition] = MapConv,
        [MaxPool2D.Definition] = (layer, graph, x) => MapPool("MaxPool", (Pool2D)layer, graph, x),
        [AvgPool2D.Definition] = (layer, graph, x) => MapPool("AveragePool", (Pool2D)layer, graph, x),
        [GlobalAveragePool2D.Definition] = (layer, graph, x) => graph.Node("Flatten", [graph.Node("GlobalAveragePool", [x])], OnnxAttribute.Of("axis", 1L)),
        [SimpleRnn.Definition] = MapRecurrent,
        [Lstm.Definition] = MapRecurrent,
        [Gru.Definition] = MapRecurrent,
        [Embedding.Definition] = MapEmbedding,
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

    /// <summary>A Conv node on NCHW with the weights as they are stored ([filters, channels, kh, kw]); "same" padding
    /// as explicit pads [top, left, bottom, right], the smaller half on top and on the left, as the layer pads.</summary>
    private static string MapConv(Layer layer, OnnxGraph graph, string x)
    {
        var conv = (Conv2D)layer;
        int[] w = conv.Weight.Shape.ToArray();
        string weight = graph.Constant("weight", conv.Weight.Value, w[0], w[1], w[2], w[3]);
        var (kh, kw) = conv.KernelSize;
        var (sh, sw) = conv.Stride;
        int height = conv.InputShape[1], width = conv.InputShape[2];
        long[] pads = [0, 0, 0, 0];
        if (conv.Padding == Padding.Same)
        {
            int outH = conv.OutputShape[1], outW = conv.OutputShape[2];
            int totalH = Math.Max(0, (outH - 1) * sh + kh - height), totalW = Math.Max(0, (outW - 1) * sw + kw - width);
            pads = [totalH / 2, totalW / 2, totalH - totalH / 2, totalW - totalW / 2];
        }

        string[] inputs = conv.Bias is { } bias ? [x, weight, graph.Constant("bias", bias.Value, conv.Filters)] : [x, weight];
        return graph.Node("Conv", inputs, OnnxAttribute.Of("kernel_shape", kh, kw), OnnxAttribute.Of("strides", sh, sw), OnnxAttribute.Of("pads", pads));
    }

    /// <summary>MaxPool or AveragePool over the layer's windows, no padding (the last rows and columns that do not fill
    /// a window are dropped, as the layer does).</summary>
    private static string MapPool(string op, Pool2D pool, OnnxGraph graph, string x) =>
        graph.Node(op, [x], OnnxAttribute.Of("kernel_shape", pool.Size.Height, pool.Size.Width), OnnxAttribute.Of("strides", pool.Stride.Height, pool.Stride.Width));

    /// <summary>
    /// ONNX's RNN, LSTM or GRU node (opset 13: time-major, so the input is transposed to [time, batch, features] and
    /// Y [time, 1, batch, units] back to [batch, time, units]; without return_sequences the output is Y_h [1, batch,
    /// units], squeezed). The weights become ONNX's [gates·units, in] blocks in ONNX's gate order — LSTM i, o, f, c
    /// from PyTorch's i, f, g, o; GRU z, r, h from r, z, n — and the bias B = [Wb | Rb]: the layer's bias as Wb, and Rb
    /// zero (RNN, LSTM: one bias is the sum of PyTorch's two) or GRU's recurrent bias, which stays inside r ⊙ (…) with
    /// <c>linear_before_reset=1</c> (the reset-after form). Truncation is a training setting: nothing to export.
    /// </summary>
    private static string MapRecurrent(Layer layer, OnnxGraph graph, string x)
    {
        var recurrent = (RecurrentLayer)layer;
        int units = recurrent.Units, features = recurrent.InputShape[1], gates = recurrent.Gates;
        (string op, int[] order) = recurrent switch
        {
            Lstm => ("LSTM", new[] { 0, 3, 1, 2 }),
            Gru => ("GRU", new[] { 1, 0, 2 }),
            _ => ("RNN", new[] { 0 }),
        };
        string w = graph.Constant("W", OnnxGateBlocks(recurrent.Kernel.Value, features, units, order), 1, gates * units, features);
        string r = graph.Constant("R", OnnxGateBlocks(recurrent.RecurrentKernel.Value, units, units, order), 1, gates * units, units);
        float[] bias = new float[2 * gates * units];
        ReorderGates(recurrent.Bias.Value, units, order, bias.AsSpan(0, gates * units));
        OnnxAttribute[] attributes = [OnnxAttribute.Of("hidden_size", (long)units)];
        if (recurrent is Gru gru)
        {
            ReorderGates(gru.RecurrentBias.Value, units, order, bias.AsSpan(gates * units));
            attributes = [.. attributes, OnnxAttribute.Of("linear_before_reset", 1L)];
        }

        string b = graph.Constant("B", bias, 1, 2 * gates * units);
        string timeMajor = graph.Node("Transpose", [x], OnnxAttribute.Of("perm", 1, 0, 2));
        IReadOnlyList<string> outputs = graph.Node(op, [timeMajor, w, r, b], 2, attributes);
        if (!recurrent.ReturnSequences)
        {
            return graph.Node("Squeeze", [outputs[1], graph.Int64Constant("direction_axis", [0], 1)]);
        }

        string steps = graph.Node("Squeeze", [outputs[0], graph.Int64Constant("direction_axis", [1], 1)]);
        return graph.Node("Transpose", [steps], OnnxAttribute.Of("perm", 1, 0, 2));
    }

    /// <summary>A weight [rows, gates·units] (Nabla's [in, out], gate blocks side by side) as ONNX's [gates·units, rows],
    /// the blocks in <paramref name="order"/> (ONNX block g is Nabla's block order[g]).</summary>
    private static float[] OnnxGateBlocks(ReadOnlySpan<float> weight, int rows, int units, int[] order)
    {
        int columns = order.Length * units;
        float[] result = new float[columns * rows];
        for (int g = 0; g < order.Length; g++)
        {
            for (int j = 0; j < units; j++)
            {
                for (int k = 0; k < rows; k++)
                {
                    result[((g * units) + j) * rows + k] = weight[k * columns + order[g] * units + j];
                }
            }
        }

        return result;
    }

    /// <summary>A bias [gates·units] with its blocks in <paramref name="order"/>.</summary>
    private static void ReorderGates(ReadOnlySpan<float> bias, int units, int[] order, Span<float> destination)
    {
        for (int g = 0; g < order.Length; g++)
        {
            bias.Slice(order[g] * units, units).CopyTo(destination.Slice(g * units, units));
        }
    }

    /// <summary>Gather of the table's rows [vocabulary, dimension] at the ids (the float input cast to int64): y[…, :]
    /// = E[id, :], as the layer.</summary>
    private static string MapEmbedding(Layer layer, OnnxGraph graph, string x)
    {
        var embedding = (Embedding)layer;
        string table = graph.Constant("weight", embedding.Weight.Value, embedding.Vocabulary, embedding.Dimension);
        string ids = graph.Node("Cast", [x], OnnxAttribute.Of("to", (long)global::Onnx.TensorProto.Types.DataType.Int64));
        return graph.Node("Gather", [table, ids], OnnxAttribute.Of("axis", 0L));
    }

    /// <summary>Reshape to [batch (0: kept), OutputShape…], the −1 already resolved.</summary>
    private static string MapReshape(Layer layer, OnnxGraph graph, string x)
    {
        long[] shape = [0, .. layer.OutputShape.ToArray().Select(d => (long)d)];
        return graph.Node("Reshape", [x, graph.Int64Constant("shape", shape, shape.Length)]);
    }
}
