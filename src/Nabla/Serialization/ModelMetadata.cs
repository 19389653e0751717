namespace Nabla.Serialization;

/// <summary>What a model file carries besides layers and weights: what prediction needs to reproduce training's view of the data.</summary>
/// <param name="ClassNames">The name of each output class, in output order.</param>
/// <param name="InputScale">The factor applied to raw input values (1/255 for pixels) before the network.</param>
/// <param name="Loss">The loss the model was trained with (its CLI name).</param>
public sealed record ModelMetadata(IReadOnlyList<string> ClassNames, float InputScale, string Loss);
