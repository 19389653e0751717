using Nabla.Models;

namespace Nabla.Losses;

/// <summary>
/// A loss: its value and its gradient with respect to the network's output, from one call.
/// </summary>
/// <remarks>
/// All spans are [rows, columns] row-major. The value is a mean (see each loss for over what), and the gradient is
/// of that mean, so it already carries the 1/rows factor.
/// </remarks>
public interface ILoss
{
    /// <summary>The name used on the command line and in model files.</summary>
    string Name { get; }

    /// <summary>What prediction applies to the network's output (softmax for a loss on logits, …).</summary>
    OutputTransform OutputTransform { get; }

    /// <summary>Computes the loss and writes ∂loss/∂output into <paramref name="gradient"/>.</summary>
    /// <param name="output">The network's output.</param>
    /// <param name="target">The targets (one-hot rows for classification).</param>
    /// <param name="columns">Values per row.</param>
    /// <param name="gradient">Destination, same length as <paramref name="output"/>.</param>
    /// <returns>The mean loss.</returns>
    float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, int columns, Span<float> gradient);

    /// <summary>How many times scikit-learn's value of the same loss this loss's value is: 1 for the cross-entropies
    /// (both are means), 2 for <see cref="MeanSquaredError"/> (scikit-learn's squared loss is mean/2). The L2 penalty
    /// is multiplied by it, so that an L2 α gives the same minimum as scikit-learn's <c>alpha</c> for every loss
    /// (see <see cref="Training.GradientTransforms.ApplyL2"/>).</summary>
    float PenaltyScale => 1f;
}

/// <summary>Creates losses from their command-line names.</summary>
public static class Loss
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cross-entropy", "categorical-cross-entropy", "binary-cross-entropy", "mse", "sparse-cross-entropy"];

    /// <summary>Creates a loss by name.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the supported ones.</exception>
    public static ILoss Create(string name) => name.ToLowerInvariant().Replace('_', '-') switch
    {
        "cross-entropy" or "softmax-cross-entropy" or "ce" => new SoftmaxCrossEntropy(),
        "categorical-cross-entropy" or "cce" => new CategoricalCrossEntropy(),
        "binary-cross-entropy" or "bce" => new BinaryCrossEntropy(),
        "mse" or "mean-squared-error" => new MeanSquaredError(),
        "sparse-cross-entropy" or "sparse-categorical-cross-entropy" => new SparseSoftmaxCrossEntropy(),
        _ => throw new ArgumentException($"The loss '{name}' is not supported. Supported losses are {string.Join(", ", Names)}."),
    };

    internal static void CheckLengths(ILoss loss, int output, int target, int gradient, int columns)
    {
        if (output != target || output != gradient || columns <= 0 || output % columns != 0)
        {
            throw new ArgumentException($"{loss.Name}: output ({output} values), target ({target}) and gradient ({gradient}) must be the same [rows, {columns}] shape.");
        }
    }
}
