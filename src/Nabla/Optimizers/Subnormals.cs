using System.Numerics;

namespace Nabla.Optimizers;

/// <summary>
/// Keeps optimizer state out of the subnormal range. Moments and velocities decay geometrically toward zero where the
/// gradient stops (an always-black border pixel): m ← 0.9·m passes through the subnormal floats (below 1.2·10⁻³⁸) on
/// its way to zero, and every operation on a subnormal takes a slow microcode assist on Intel cores (AMD's barely
/// notice: Adam's epochs grew from 1.9 to 4.6 s on a Xeon). .NET gives managed code no control of the processor's
/// flush-to-zero mode, so the updates flush themselves: state smaller in magnitude than <see cref="State"/> becomes 0,
/// and a gradient is squared only when it is at least <see cref="Squared"/>, with enough margin that no product in an
/// update underflows. A moment of 10⁻³⁰ moves a weight by at most ~10⁻²², and a squared gradient below 10⁻³⁰ is far
/// below Adam's ε² = 10⁻¹⁶, so nothing a model learns changes.
/// </summary>
internal static class Subnormals
{
    /// <summary>State (moments, velocities, mean squares) below this magnitude is set to zero.</summary>
    public const float State = 1e-30f;

    /// <summary>Gradients below this magnitude count as zero where they are squared.</summary>
    public const float Squared = 1e-15f;

    /// <summary>x, or 0 when |x| &lt; <paramref name="threshold"/>.</summary>
    public static Vector<float> Flush(Vector<float> x, float threshold) =>
        Vector.ConditionalSelect(Vector.GreaterThanOrEqual(Vector.Abs(x), new Vector<float>(threshold)), x, Vector<float>.Zero);

    /// <summary>x, or 0 when |x| &lt; <paramref name="threshold"/>.</summary>
    public static float Flush(float x, float threshold) => MathF.Abs(x) >= threshold ? x : 0f;
}
