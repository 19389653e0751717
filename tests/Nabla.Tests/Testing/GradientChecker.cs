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

    /// <summary>The worst relative error of the layer's input and parameter gradients; <paramref name="floor"/> is the
    /// smallest denominator of the relative error (larger for recurrent layers, whose long float32 chains make central
    /// differences noisy at about 10⁻⁵).</summary>
    public static double MaxLayerError(Layer layer, Tensor input, int probes = 40, int seed = 1, ForwardContext? context = null, double floor = GradientCheck.DefaultFloor) =>
        GradientCheck.Layer(layer, input, probes, seed, context, floor).Worst;

    /// <summary>The worst relative error of one parameter's gradient through a whole model (for inputs that cannot be
    /// perturbed, such as token ids).</summary>
    public static double MaxModelParameterError(Nabla.Models.Sequential model, Tensor input, Nabla.Parameters.Parameter parameter, int probes = 40, int seed = 1, double floor = GradientCheck.DefaultFloor) =>
        GradientCheck.ModelParameter(model, input, parameter, probes, seed, floor).Worst;

    /// <summary>The worst relative error of a loss's gradient with respect to its predictions.</summary>
    public static double MaxLossError(ILoss loss, float[] predictions, float[] targets, int columns, int probes = 40, int seed = 2) =>
        GradientCheck.Loss(loss, predictions, targets, columns, probes, seed).Worst;
}
