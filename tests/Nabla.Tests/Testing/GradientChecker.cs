using Nabla.Diagnostics;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Tensors;

namespace Nabla.Tests.Testing;

/// <summary>The suite's gradient checks, through the library's public <see cref="GradientCheck"/> (central differences,
/// relative error, tolerance 1e-2; <see cref="GradientCheckerTests"/> shows a deliberately wrong backward fails it).</summary>
internal static class GradientChecker
{
    public const double Tolerance = GradientCheck.Tolerance;

    /// <summary>The worst relative error of the layer's input and parameter gradients.</summary>
    public static double MaxLayerError(Layer layer, Tensor input, int probes = 40, int seed = 1, ForwardContext? context = null) =>
        GradientCheck.Layer(layer, input, probes, seed, context).Worst;

    /// <summary>The worst relative error of a loss's gradient with respect to its predictions.</summary>
    public static double MaxLossError(ILoss loss, float[] predictions, float[] targets, int columns, int probes = 40, int seed = 2) =>
        GradientCheck.Loss(loss, predictions, targets, columns, probes, seed).Worst;
}
