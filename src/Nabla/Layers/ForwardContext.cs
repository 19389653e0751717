namespace Nabla.Layers;

/// <summary>
/// What a forward pass is for, given to every layer (as PyTorch's <c>training</c> flag and Keras's
/// <c>training=</c> argument): training or inference, and the number of the training step, from which randomized
/// layers (dropout) derive their draws so that a resumed run draws exactly what an uninterrupted one would.
/// </summary>
/// <param name="Training">Whether training-only behaviour (dropout, batch statistics) is on.</param>
/// <param name="Step">A number unique to this forward pass within a training run (step and chunk).</param>
public readonly record struct ForwardContext(bool Training, long Step)
{
    /// <summary>Inference: no dropout, running statistics.</summary>
    public static ForwardContext Inference => default;

    /// <summary>A training pass numbered <paramref name="step"/>.</summary>
    public static ForwardContext ForTraining(long step) => new(true, step);
}
