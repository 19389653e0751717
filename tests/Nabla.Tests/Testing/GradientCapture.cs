using Nabla.Optimizers;
using Nabla.Parameters;

namespace Nabla.Tests.Testing;

/// <summary>An optimizer over one parameter that records the first gradient it is asked to apply, and applies nothing.</summary>
internal sealed class CaptureGradient(Parameter parameter) : IOptimizer
{
    public float[]? Captured { get; private set; }

    public float LearningRate { get; set; }

    public long StepCount { get; set; }

    public IReadOnlyList<float[]> State => [];

    public void Step() => Captured ??= (float[])parameter.Gradient.Clone();
}

/// <summary>An optimizer that records the first gradient of every parameter (one <see cref="CaptureGradient"/> each).</summary>
internal sealed class Capturing(CaptureGradient[] captures) : IOptimizer
{
    public float LearningRate { get; set; }

    public long StepCount { get; set; }

    public IReadOnlyList<float[]> State => [];

    public void Step()
    {
        foreach (CaptureGradient capture in captures)
        {
            capture.Step();
        }
    }
}
