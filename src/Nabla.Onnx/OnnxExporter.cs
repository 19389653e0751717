using System.Text.Json.Nodes;
using Google.Protobuf;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Onnx;

namespace Nabla.Onnx;

/// <summary>
/// Writes a model as ONNX (IR version <see cref="IrVersion"/>, opset <see cref="Opset"/>) that takes raw inputs and gives
/// what <c>nabla predict</c> gives: the preprocessing is in the graph (×input scale for pixels, or the fitted scaler
/// x' = (x − offset)·scale for CSV columns), then every layer (<see cref="OnnxLayerMappings"/>), then the output
/// transform (softmax or sigmoid) and, for regression, the target's de-standardization y·std + mean.
/// </summary>
/// <remarks>
/// <para>Input <c>input</c>: float [batch, InputShape…] of raw values (pixels 0..255, CSV values as in the file; NaN for
/// a missing cell, which the graph imputes as predict does). Table models with categorical columns or missing
/// indicators are refused (<see cref="OnnxExportException"/>).
/// Output <c>output</c>: float [batch, outputs] — class probabilities, a binary model's P(second class), or
/// regression values in the target's units. Classifiers also have <c>label</c>: int64 [batch], the predicted class
/// index (argmax; for binary, P &gt; 0.5), whose names are in the metadata entry <c>class_names</c>. A language model
/// (<c>--task text</c>) takes token ids as floats, [batch, steps], and gives [batch, steps, vocabulary] probabilities
/// and [batch, steps] labels (the vocabulary is its class names); a forecasting model takes the raw window [batch,
/// window, columns] and gives the next [batch, horizon] values.</para>
/// <para>Written with Google.Protobuf from the ONNX schema (src/Nabla.Onnx/Schema/onnx.proto), atomically.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The operator set the graph uses (the ONNX standard domain).</summary>
    public const int Opset = 13;

    /// <summary>The ONNX IR version written (7 goes with opset 13; every runtime since ONNX Runtime 1.6 reads it).</summary>
    public const long IrVersion = 7;

    /// <summary>The input's name.</summary>
    public const string InputName = "input";

    /// <summary>The output with probabilities or values.</summary>
    public const string OutputName = "output";

    /// <summary>The output with class indices (classifiers only).</summary>
    public const string LabelName = "label";

    /// <summary>Writes <paramref name="model"/> as ONNX to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="OnnxExportException">A layer kind has no ONNX mapping.</exception>
    public static void Save(string path, Sequential model, ModelMetadata metadata) =>
        Nabla.IO.AtomicFile.WriteAllBytes(path, Export(model, metadata));

    /// <summary>The ONNX model's bytes.</summary>
    /// <exception cref="OnnxExportException">A layer kind has no ONNX mapping.</exception>
    public static byte[] Export(Sequential model, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        OnnxLayerMapping[] mappings = model.Layers.Select(l => OnnxLayerMappings.Find(l.Type) ?? throw new OnnxExportException(
            $"layer {l.Describe()}: the layer kind '{l.Kind}' has no ONNX mapping yet (kinds that export: {string.Join(", ", OnnxLayerMappings.Kinds.Select(k => k.Name))}).")).ToArray();

        CheckPreprocessing(metadata);
        var graph = new OnnxGraph("nabla");
        long[] inputShape = model.InputShape.ToArray().Select(d => (long)d).ToArray();
        string x = Preprocess(graph, model, metadata, inputShape);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            graph.Scope = model.Layers[i].Name;
            x = mappings[i](model.Layers[i], graph, x);
        }

        graph.Scope = "output";
        bool classifier = metadata.Task != TaskKind.Regression;
        x = model.OutputTransform switch
        {
            OutputTransform.Softmax => graph.Node("Softmax", [x], OnnxAttribute.Of("axis", -1L)),
            OutputTransform.Sigmoid => graph.Node("Sigmoid", [x]),
            _ when metadata.Task == TaskKind.Regression && (metadata.TargetStd != 1 || metadata.TargetMean != 0) =>
                graph.Node("Add", [graph.Node("Mul", [x, graph.Constant("target_std", [(float)metadata.TargetStd])]), graph.Constant("target_mean", [(float)metadata.TargetMean])]),
            _ => graph.Node("Identity", [x]),
        };
        graph.NameLastOutput(OutputName);
        int outputs = model.OutputShape.Count;
        if (classifier)
        {
            if (outputs == 1)
            {
                // P > 0.5 → class 1, as prediction thresholds it
                string above = graph.Node("Greater", [OutputName, graph.Constant("threshold", [0.5f])]);
                string index = graph.Node("Cast", [above], OnnxAttribute.Of("to", (long)TensorProto.Types.DataType.Int64));
                graph.Node("Reshape", [index, graph.Int64Constant("flat", [-1], 1)]);
            }
            else
            {
                graph.Node("ArgMax", [OutputName], OnnxAttribute.Of("axis", -1L), OnnxAttribute.Of("keepdims", 0L));
            }

            graph.NameLastOutput(LabelName);
        }

        GraphProto proto = graph.Proto;
        proto.DocString = Describe(model, metadata);
        proto.Input.Add(Value(InputName, TensorProto.Types.DataType.Float, inputShape));
        proto.Output.Add(Value(OutputName, TensorProto.Types.DataType.Float, model.OutputShape.ToArray().Select(d => (long)d).ToArray()));
        if (classifier)
        {
            // one index per sample, or per step for a language model ([batch, steps]: the argmax over the last axis)
            long[] labelShape = outputs == 1 ? [] : model.OutputShape.ToArray()[..^1].Select(d => (long)d).ToArray();
            proto.Output.Add(Value(LabelName, TensorProto.Types.DataType.Int64, labelShape));
        }

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "nabla",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = proto.DocString,
            Graph = proto,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in Properties(metadata))
        {
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return onnx.ToByteArray();
    }

    /// <summary>Raw values to what the first layer saw in training: a missing value (NaN) replaced by its column's
    /// training median or mean, then (x − offset)·scale per feature; or ×input scale. A table's categorical columns
    /// and missing indicators have no mapping (<see cref="CheckPreprocessing"/>).</summary>
    private static string Preprocess(OnnxGraph graph, Sequential model, ModelMetadata metadata, long[] inputShape)
    {
        graph.Scope = "preprocessing";
        if (metadata.Scaler is { } scaler)
        {
            string x = InputName;
            if (metadata.Preprocessor is { RefuseMissing: false } preprocessor)
            {
                // NaN marks a missing cell, as in predict's CSV reading: Where(IsNaN(x), fill, x), per column
                float[] fills = preprocessor.Columns.Cast<NumericEncoder>().Select(c => c.Fill).ToArray();
                x = graph.Node("Where", [graph.Node("IsNaN", [x]), graph.Constant("fill", fills, inputShape), x]);
            }

            string centred = graph.Node("Sub", [x, graph.Constant("offset", scaler.Offset, inputShape)]);
            return graph.Node("Mul", [centred, graph.Constant("scale", scaler.Scale, inputShape)]);
        }

        return metadata.InputScale != 1f
            ? graph.Node("Mul", [InputName, graph.Constant("input_scale", [metadata.InputScale])])
            : InputName;
    }

    /// <summary>
    /// Refuses a table model whose preprocessing the graph cannot compute from one float input: a categorical column
    /// (its cells are text; ONNX's standard operators of opset 13 compare no strings, and a hashed column's FNV-1a
    /// hash has no operator) or a missing indicator (an extra input per column). Numeric columns with imputation export.
    /// </summary>
    /// <exception cref="OnnxExportException">The first such column, by name.</exception>
    private static void CheckPreprocessing(ModelMetadata metadata)
    {
        if (metadata.Preprocessor is not { } preprocessor)
        {
            return;
        }

        foreach (ColumnEncoder column in preprocessor.Columns)
        {
            string? problem = column switch
            {
                OneHotEncoder => "is categorical (one-hot): its cells are text, which the exported graph's float input cannot carry",
                HashEncoder => "is categorical (hashed): its cells are text, and ONNX has no operator for the hash",
                NumericEncoder { Indicator: true } => "has a missing indicator (--missing-indicator), an input the exported graph does not compute",
                _ => null,
            };
            if (problem is not null)
            {
                throw new OnnxExportException($"column '{CsvLoader.Show(column.Name)}' {problem}; ONNX export takes table models whose columns are all numeric (imputed or not), without --missing-indicator.");
            }
        }
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, long[] sampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (long d in sampleShape)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    /// <summary>What a user of the ONNX file needs to read its outputs: class names, task, columns, target.</summary>
    private static IEnumerable<(string, string)> Properties(ModelMetadata metadata)
    {
        yield return ("task", metadata.Task.ToString().ToLowerInvariant());
        yield return ("class_names", new JsonArray(metadata.ClassNames.Select(n => (JsonNode)n).ToArray()).ToJsonString());
        if (metadata.FeatureNames is { } names)
        {
            yield return ("feature_names", new JsonArray(names.Select(n => (JsonNode)n).ToArray()).ToJsonString());
        }

        if (metadata.TargetName is { } target)
        {
            yield return ("target_name", target);
        }
    }

    private static string Describe(Sequential model, ModelMetadata metadata)
    {
        string input = metadata.Scaler is not null ? "raw CSV columns (the graph applies (x - offset) * scale)"
            : metadata.InputScale != 1f ? $"raw values (the graph multiplies by {metadata.InputScale:R})" : "values as the model takes them";
        string output = metadata.Task switch
        {
            TaskKind.Regression => $"'{OutputName}': {metadata.TargetName ?? "the target"} in its units",
            TaskKind.Binary => $"'{OutputName}': P({(metadata.ClassNames.Count > 1 ? metadata.ClassNames[1] : "class 1")}); '{LabelName}': 1 when P > 0.5",
            _ => $"'{OutputName}': class probabilities; '{LabelName}': the most probable class's index",
        };
        return $"Nabla {string.Join("-", model.Layers.Select(l => l.Kind))}. Input '{InputName}' [batch, {string.Join(", ", model.InputShape.ToArray())}]: {input}. Output {output}.";
    }
}
