using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;

namespace Nabla.Cli.Explain;

/// <summary>
/// One full-batch training step of a dense network, quantity by quantity, in the tutorials' names and orientation:
/// A0 (the input), Zk = Wk·Ak−1 + bk and Ak = g(Zk) for each layer, the loss, then dZ, dW, db, dA back to the first
/// layer, and the updated W and b. The numbers are the library's own: each layer's Forward and Backward and the
/// optimizer's Step are called as training calls them; only the orientation of what is shown is changed (Nabla keeps
/// samples in rows and W as [inputs, units]; the tutorials put samples in columns and W as [units, inputs]).
/// </summary>
internal static class StepExplainer
{
    /// <summary>Explains step <paramref name="step"/> (1-based; the steps before it are taken silently) of full-batch
    /// training on <paramref name="x"/> [m, inputs] with targets <paramref name="t"/> [m, outputs].</summary>
    public static IReadOnlyList<ExplainedQuantity> Explain(Sequential model, ILoss loss, IOptimizer optimizer, Tensor x, Tensor t, int step)
    {
        foreach (Layer layer in model.Layers)
        {
            if (layer is not (Dense or Activation))
            {
                throw new UsageException($"explain shows dense networks (dense layers and activations); this model has {layer.Describe()}.");
            }
        }

        int outputs = t.RowLength;
        var gradient = new Tensor(t.Shape);
        for (int s = 1; s < step; s++)
        {
            model.ZeroGradients();
            loss.Compute(model.Forward(x, ForwardContext.ForTraining(s)).Span, t.Span, outputs, gradient.Span);
            model.Backward(gradient);
            optimizer.Step();
        }

        var quantities = new List<ExplainedQuantity> { Activations("A0", "A0 = X (the input; one column per sample)", x, "input") };
        model.ZeroGradients();

        // Forward, layer by layer.
        var names = new string[model.Layers.Count];
        int k = 0;
        Tensor a = x;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            a = layer.Forward(a, ForwardContext.ForTraining(step));
            if (layer is Dense)
            {
                k++;
                names[i] = $"Z{k}";
                quantities.Add(Activations(names[i], $"Z{k} = W{k}·A{k - 1} + b{k}", a, "dense.forward"));
            }
            else
            {
                names[i] = $"A{k}";
                quantities.Add(Activations(names[i], $"A{k} = {Function(layer)}(Z{k})", a, "activation.forward"));
            }
        }

        int last = k;
        string output = names[^1];
        Tensor outputValues = a.Clone();
        if (model.OutputTransform != OutputTransform.None)
        {
            var probabilities = new Tensor(a.Shape);
            model.OutputTransform.Apply(a.Span, outputs, probabilities.Span);
            string f = model.OutputTransform == OutputTransform.Softmax ? "softmax" : "σ";
            quantities.Add(Activations($"A{last}", $"A{last} = {f}(Z{last}) (the probabilities; the loss takes Z{last} and applies {f} itself)", probabilities, "transform"));
        }

        // The loss and its gradient at the network's output.
        float value = loss.Compute(outputValues.Span, t.Span, outputs, gradient.Span);
        quantities.Add(new ExplainedQuantity("L", LossEquation(loss, last), 1, 1, [value], SourceLocations.Describe("loss." + loss.Name)));
        quantities.Add(Activations($"d{output}", $"d{output} = ∂L/∂{output} = {GradientEquation(loss, last, output)}", gradient, "loss." + loss.Name));

        // Backward, layer by layer.
        Tensor? g = gradient;
        for (int i = model.Layers.Count - 1; i >= 0 && g is not null; i--)
        {
            Layer layer = model.Layers[i];
            g = layer.Backward(g, needInputGradient: i > 0);
            if (layer is Dense dense)
            {
                string n = names[i][1..];
                int previous = int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) - 1;
                quantities.Add(Weights($"dW{n}", $"dW{n} = dZ{n}·A{previous}ᵀ", dense.Weight.Gradient, dense, "dense.dW"));
                quantities.Add(Column($"db{n}", $"db{n} = Σ over samples of dZ{n}", dense.Bias.Gradient, "dense.db"));
                if (g is not null)
                {
                    quantities.Add(Activations($"dA{previous}", $"dA{previous} = W{n}ᵀ·dZ{n}", g, "dense.dX"));
                }
            }
            else if (g is not null)
            {
                quantities.Add(Activations($"dZ{names[i][1..]}", $"dZ{names[i][1..]} = dA{names[i][1..]} ⊙ {Derivative(layer, names[i][1..])}", g, "activation.backward"));
            }
        }

        // The step.
        optimizer.Step();
        string rule = optimizer switch
        {
            GradientDescent => "W ← W − α·dW",
            Momentum { Nesterov: true } => "v ← μ·v + dW, W ← W − α·(dW + μ·v)",
            Momentum => "v ← μ·v + dW, W ← W − α·v",
            RmsProp => "v ← ρ·v + (1 − ρ)·dW², W ← W − α·dW/(√v + ε)",
            _ => "m ← β₁m + (1 − β₁)dW, v ← β₂v + (1 − β₂)dW², W ← W − α·m̂/(√v̂ + ε)",
        };
        string key = "step." + optimizer switch { GradientDescent => "sgd", Momentum { Nesterov: true } => "nesterov", Momentum => "momentum", RmsProp => "rmsprop", _ => "adam" };
        k = 0;
        foreach (Dense dense in model.Layers.OfType<Dense>())
        {
            k++;
            quantities.Add(Weights($"W{k}", $"W{k} (updated) with {rule}, α = {optimizer.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}", dense.Weight.Value, dense, key));
            quantities.Add(Column($"b{k}", $"b{k} (updated), the same rule with db{k}", dense.Bias.Value, key));
        }

        return quantities;
    }

    /// <summary>The weights before the step, as the tutorials show them (Wk [units, inputs], bk [units, 1]).</summary>
    public static IReadOnlyList<ExplainedQuantity> InitialWeights(Sequential model)
    {
        var quantities = new List<ExplainedQuantity>();
        int k = 0;
        foreach (Dense dense in model.Layers.OfType<Dense>())
        {
            k++;
            quantities.Add(Weights($"W{k}", $"W{k}, [units, inputs], as initialized (Nabla stores its transpose, [inputs, units]: Y = X·W + b)", dense.Weight.Value, dense, "init"));
            quantities.Add(Column($"b{k}", $"b{k}, as initialized", dense.Bias.Value, "init"));
        }

        return quantities;
    }

    /// <summary>A [m, n] batch shown as [n, m]: one column per sample.</summary>
    private static ExplainedQuantity Activations(string name, string equation, Tensor values, string code)
    {
        int m = values.Rows, n = values.RowLength;
        var transposed = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                transposed[j * m + i] = values.Span[i * n + j];
            }
        }

        return new ExplainedQuantity(name, equation, n, m, transposed, SourceLocations.Describe(code));
    }

    /// <summary>A dense weight stored [inputs, units] shown as [units, inputs].</summary>
    private static ExplainedQuantity Weights(string name, string equation, float[] values, Dense dense, string code)
    {
        int inputs = dense.Weight.Shape[0], units = dense.Units;
        var transposed = new double[values.Length];
        for (int i = 0; i < inputs; i++)
        {
            for (int u = 0; u < units; u++)
            {
                transposed[u * inputs + i] = values[i * units + u];
            }
        }

        return new ExplainedQuantity(name, equation, units, inputs, transposed, SourceLocations.Describe(code));
    }

    private static ExplainedQuantity Column(string name, string equation, float[] values, string code) =>
        new(name, equation, values.Length, 1, values.Select(v => (double)v).ToArray(), SourceLocations.Describe(code));

    private static string Function(Layer layer) => layer.Kind switch
    {
        "relu" => "ReLU",
        "leaky-relu" => "LeakyReLU",
        "sigmoid" => "σ",
        "tanh" => "tanh",
        "softmax" => "softmax",
        string other => other,
    };

    private static string Derivative(Layer layer, string k) => layer.Kind switch
    {
        "relu" => $"(A{k} > 0)",
        "leaky-relu" => $"(A{k} > 0 ? 1 : slope)",
        "sigmoid" => $"A{k}⊙(1 − A{k})",
        "tanh" => $"(1 − A{k}²)",
        "softmax" => $"softmax′ (dZ = A⊙(dA − Σ dA⊙A))",
        string other => other + "′",
    };

    private static string LossEquation(ILoss loss, int last) => loss switch
    {
        SoftmaxCrossEntropy => $"L = −(1/m)·Σ Y⊙log softmax(Z{last}) (cross-entropy, the mean over the m samples)",
        BinaryCrossEntropy => $"L = −(1/m)·Σ [Y·log σ(Z{last}) + (1 − Y)·log(1 − σ(Z{last}))] (binary cross-entropy)",
        CategoricalCrossEntropy => $"L = −(1/m)·Σ Y⊙log A{last} (categorical cross-entropy on the probabilities)",
        _ => $"L = (1/(m·n))·Σ (Z{last} − Y)² (mean squared error over the m·n values)",
    };

    private static string GradientEquation(ILoss loss, int last, string output) => loss switch
    {
        SoftmaxCrossEntropy => $"(A{last} − Y)/m (softmax and cross-entropy together; the 1/m of the mean is here)",
        BinaryCrossEntropy => $"(A{last} − Y)/m (sigmoid and cross-entropy together)",
        CategoricalCrossEntropy => $"−Y/(A{last}·m)",
        _ => $"2·({output} − Y)/(m·n)",
    };
}
