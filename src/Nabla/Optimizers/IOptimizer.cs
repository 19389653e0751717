using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>
/// Updates parameters from their gradients. An optimizer is created for one list of parameters and allocates its
/// state (velocities, moments) once, aligned with that list.
/// </summary>
public interface IOptimizer
{
    /// <summary>The step size α.</summary>
    float LearningRate { get; set; }

    /// <summary>Applies one update to every parameter from its current gradient.</summary>
    void Step();

    /// <summary>Number of steps taken (Adam's t), saved in checkpoints.</summary>
    long StepCount { get; set; }

    /// <summary>The optimizer's state arrays in a fixed order (velocities, moments), saved in checkpoints.</summary>
    IReadOnlyList<float[]> State { get; }
}

/// <summary>Creates optimizers from their command-line names.</summary>
public static class Optimizer
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"];

    /// <summary>The learning rate each optimizer uses when none is given (the libraries' defaults).</summary>
    public static float DefaultLearningRate(string name) => name.ToLowerInvariant() is "adam" or "adamw" or "rmsprop" ? 1e-3f : 1e-2f;

    /// <summary>Creates an optimizer by name over <paramref name="parameters"/>; <paramref name="weightDecay"/> is
    /// AdamW's decoupled decay λ (default 0.01), for adamw only.</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the supported ones), or a weight decay for
    /// another optimizer.</exception>
    public static IOptimizer Create(string name, IReadOnlyList<Parameter> parameters, float learningRate, float? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.ToLowerInvariant();
        if (weightDecay is not null && key != "adamw")
        {
            throw new ArgumentException($"A weight decay is for adamw; the optimizer '{name}' takes an L2 penalty instead.");
        }

        return key switch
        {
            "sgd" or "gd" => new GradientDescent(parameters, learningRate),
            "momentum" => new Momentum(parameters, learningRate, 0.9f, nesterov: false),
            "nesterov" => new Momentum(parameters, learningRate, 0.9f, nesterov: true),
            "rmsprop" => new RmsProp(parameters, learningRate),
            "adam" => new Adam(parameters, learningRate),
            "adamw" => new Adam(parameters, learningRate, weightDecay: weightDecay ?? 0.01f),
            _ => throw new ArgumentException($"The optimizer '{name}' is not supported. Supported optimizers are {string.Join(", ", Names)}."),
        };
    }
}
