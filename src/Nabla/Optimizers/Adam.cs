using System.Numerics;
using Nabla.Parameters;

namespace Nabla.Optimizers;

/// <summary>
/// Adam: <c>m ← β₁m + (1−β₁)g</c>, <c>v ← β₂v + (1−β₂)g²</c>, <c>m̂ = m/(1−β₁ᵗ)</c>, <c>v̂ = v/(1−β₂ᵗ)</c>,
/// <c>W ← W − α·m̂/(√v̂ + ε)</c>.
/// </summary>
/// <remarks>Kingma and Ba (2015), "Adam: A Method for Stochastic Optimization", Algorithm 1. Defaults are the
/// paper's (β₁ = 0.9, β₂ = 0.999, ε = 1e−8), as in PyTorch and Keras. With a weight decay λ &gt; 0 this is AdamW
/// (Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization"): before the Adam step, weights (not biases)
/// shrink by <c>W ← W·(1 − α·λ)</c>, as PyTorch's AdamW does.</remarks>
public sealed class Adam : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;

    /// <summary>Creates the optimizer; moments start at zero.</summary>
    public Adam(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
    {
        WeightDecay = weightDecay;
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _m = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        _v = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        (LearningRate, Beta1, Beta2, Epsilon) = (learningRate, beta1, beta2, epsilon);
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>β₁, decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to √v̂.</summary>
    public float Epsilon { get; }

    /// <summary>λ, the decoupled weight decay (0 for plain Adam).</summary>
    public float WeightDecay { get; }

    /// <summary>t, the number of steps taken.</summary>
    public long StepCount { get; set; }

    /// <summary>The first moments, then the second moments, one array per parameter.</summary>
    public IReadOnlyList<float[]> State => [.. _m, .. _v];

    /// <inheritdoc/>
    public void Step()
    {
        StepCount++;
        float b1 = Beta1, b2 = Beta2;
        // Fold the bias corrections into the step size: α·m̂/(√v̂+ε) = αₜ·m/(√v + ε̂), αₜ = α·√(1−β₂ᵗ)/(1−β₁ᵗ),
        // ε̂ = ε·√(1−β₂ᵗ) (exactly the paper's update, one multiply fewer per value).
        double correction2 = Math.Sqrt(1 - Math.Pow(b2, StepCount));
        float stepSize = (float)(LearningRate * correction2 / (1 - Math.Pow(b1, StepCount)));
        float epsilonHat = (float)(Epsilon * correction2);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (WeightDecay != 0f && _parameters[i].IsWeight)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(_parameters[i].Value, 1f - LearningRate * WeightDecay, _parameters[i].Value);
            }

            Update(_parameters[i].Value, _parameters[i].Gradient, _m[i], _v[i], b1, b2, stepSize, epsilonHat);
        }
    }

    private static void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float b1, float b2, float stepSize, float epsilonHat)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb1 = new Vector<float>(b1);
            var vb2 = new Vector<float>(b2);
            var c1 = new Vector<float>(1 - b1);
            var c2 = new Vector<float>(1 - b2);
            var vs = new Vector<float>(stepSize);
            var ve = new Vector<float>(epsilonHat);
            for (; j <= w.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var gj = new Vector<float>(g[j..]);
                var mj = vb1 * new Vector<float>(m[j..]) + c1 * gj;
                var vj = vb2 * new Vector<float>(v[j..]) + c2 * gj * gj;
                mj.CopyTo(m[j..]);
                vj.CopyTo(v[j..]);
                (new Vector<float>(w[j..]) - vs * mj / (Vector.SquareRoot(vj) + ve)).CopyTo(w[j..]);
            }
        }

        for (; j < w.Length; j++)
        {
            m[j] = b1 * m[j] + (1 - b1) * g[j];
            v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
            w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilonHat);
        }
    }
}
