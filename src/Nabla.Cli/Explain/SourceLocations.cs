namespace Nabla.Cli.Explain;

/// <summary>
/// Where in the library each step of the explanation is computed: a file, a member and a line of text in it (with
/// " #n" at the end: its n-th occurrence). The line number is looked up in the source when the repository is at hand (a checkout: the
/// tool run with <c>dotnet run</c>), otherwise the file and the member are given. A test checks every anchor.
/// </summary>
internal static class SourceLocations
{
    /// <summary>Every location the explanation cites, by key.</summary>
    public static IReadOnlyDictionary<string, (string File, string Member, string Anchor)> All { get; } = new Dictionary<string, (string, string, string)>
    {
        ["init"] = ("src/Nabla/Initializers/Initializer.cs", "Initialization.Fill", "public static void Fill("),
        ["targets"] = ("src/Nabla/Data/BatchSource.cs", "BatchSource.Targets", "_data.CopyTargets(_order.AsSpan(start, rows), t.Span);"),
        ["input"] = ("src/Nabla/Data/BatchSource.cs", "BatchSource.Features", "_data.CopyFeatures(_order.AsSpan(start, rows), x.Span);"),
        ["dense.forward"] = ("src/Nabla/Layers/Dense.cs", "Dense.Forward", "Gemm.Multiply(input.Span, false, Weight.Value, false, output.Span, rows, Weight.Shape[0], Units);"),
        ["dense.dW"] = ("src/Nabla/Layers/Dense.cs", "Dense.Backward", "Gemm.Multiply(input.Span, true, outputGradient.Span, false, Weight.Gradient, fanIn, rows, Units, 1f, 1f);"),
        ["dense.db"] = ("src/Nabla/Layers/Dense.cs", "Dense.Backward", "TensorMath.AccumulateColumnSums(outputGradient.Span, rows, Bias.Gradient); #2"),
        ["dense.dX"] = ("src/Nabla/Layers/Dense.cs", "Dense.Backward", "Gemm.Multiply(outputGradient.Span, false, Weight.Value, true, inputGradient.Span, rows, Units, fanIn);"),
        ["activation.forward"] = ("src/Nabla/Layers/Activation.cs", "Activation.Forward", "Apply(input.Span, InputShape.Last, output.Span);"),
        ["activation.backward"] = ("src/Nabla/Layers/Activation.cs", "Activation.Backward", "Derivative(output.Span, outputGradient.Span, InputShape.Last, inputGradient.Span);"),
        ["transform"] = ("src/Nabla/Models/OutputTransform.cs", "OutputTransforms.Apply", "public static void Apply(this OutputTransform transform"),
        ["loss.cross-entropy"] = ("src/Nabla/Losses/SoftmaxCrossEntropy.cs", "SoftmaxCrossEntropy.Compute", "public float Compute("),
        ["loss.binary-cross-entropy"] = ("src/Nabla/Losses/BinaryCrossEntropy.cs", "BinaryCrossEntropy.Compute", "public float Compute("),
        ["loss.categorical-cross-entropy"] = ("src/Nabla/Losses/CategoricalCrossEntropy.cs", "CategoricalCrossEntropy.Compute", "public float Compute("),
        ["loss.mse"] = ("src/Nabla/Losses/MeanSquaredError.cs", "MeanSquaredError.Compute", "public float Compute("),
        ["step.sgd"] = ("src/Nabla/Optimizers/GradientDescent.cs", "GradientDescent.Step", "TensorPrimitives.MultiplyAdd("),
        ["step.momentum"] = ("src/Nabla/Optimizers/Momentum.cs", "Momentum.Update", "v[j] = Subnormals.Flush(mu * v[j] + g[j], Subnormals.State);"),
        ["step.nesterov"] = ("src/Nabla/Optimizers/Momentum.cs", "Momentum.Update", "v[j] = Subnormals.Flush(mu * v[j] + g[j], Subnormals.State);"),
        ["step.rmsprop"] = ("src/Nabla/Optimizers/RmsProp.cs", "RmsProp.Update", "w[j] -= lr * g[j] / (MathF.Sqrt(v[j]) + eps);"),
        ["step.adam"] = ("src/Nabla/Optimizers/Adam.cs", "Adam.Update", "w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilonHat);"),
        ["step.adamw"] = ("src/Nabla/Optimizers/Adam.cs", "Adam.Update", "w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilonHat);"),
    };

    /// <summary>"src/Nabla/Layers/Dense.cs:104 (Dense.Forward)", or without the line when the source is not found.</summary>
    public static string Describe(string key)
    {
        var (file, member, anchor) = All[key];
        return LineOf(file, anchor) is { } line ? $"{file}:{line} ({member})" : $"{file} ({member})";
    }

    /// <summary>The 1-based line of <paramref name="anchor"/> in the repository's <paramref name="file"/>, or null.</summary>
    public static int? LineOf(string file, string anchor)
    {
        if (Root() is not { } root || !File.Exists(Path.Combine(root, file)))
        {
            return null;
        }

        int occurrence = 1;
        if (anchor.LastIndexOf(" #", StringComparison.Ordinal) is int mark and >= 0 && int.TryParse(anchor[(mark + 2)..], out int n))
        {
            (anchor, occurrence) = (anchor[..mark], n);
        }

        string[] lines = File.ReadAllLines(Path.Combine(root, file));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(anchor, StringComparison.Ordinal) && --occurrence == 0)
            {
                return i + 1;
            }
        }

        return null;
    }

    private static string? Root()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "src", "Nabla", "Layers", "Dense.cs")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
