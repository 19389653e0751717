using System.Numerics;
using Nabla.Parameters;
using Nabla.Training;

namespace Nabla.Optimizers;

/// <summary>
/// Adam: <c>m ← β₁m + (1−β₁)g</c>, <c>v ← β₂v + (1−β₂)g²</c>, <c>m̂ = m/(1−β₁ᵗ)</c>, <c>v̂ = v/(1−β₂ᵗ)</c>,
/// <c>W ← W − α·m̂/(√v̂ + ε)</c>.
/// </summary>
/// <remarks>Kingma and Ba (2015), "Adam: A Method for Stochastic Optimization", Algorithm 1. Defaults are the
/// paper's (β₁ = 0.9, β₂ = 0.999, ε = 1e−8), as in PyTorch and Keras. With a weight decay λ &gt; 0 this is AdamW
/// (Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization"): before the Adam step, weights shrink by
/// <c>W ← W·(1 − α·λ)</c> (<see cref="GradientTransforms.DecayWeights"/>). Only weights decay (parameters with
/// <see cref="Parameter.IsWeight"/>: a dense layer's W); biases and batch-norm scales and shifts do not. PyTorch's
/// <c>torch.optim.AdamW</c> and Keras's <c>AdamW</c> decay every parameter they are given unless the caller leaves
/// some out (parameter groups, <c>exclude_from_weight_decay</c>), and leaving out biases and normalization parameters
/// is the usual recipe (BERT's, timm's): decay limits a weight's scale, while a bias or a normalization's γ only shifts
/// or rescales a unit, so shrinking them toward zero regularizes nothing and can hurt. So Nabla's AdamW equals
/// PyTorch's with biases and batch-norm parameters in a group with weight_decay=0. (--l2 also spares them, as
/// scikit-learn's alpha does.) The update runs on all cores, and keeps its moments out of the subnormal range
/// (<see cref="Subnormals"/>).</remarks>
public sealed class Adam : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;
    private readonly ParameterSegments _segments;
    private readonly Action<int, int, int> _update;
    private float _stepSize, _epsilonHat;

    /// <summary>Creates the optimizer; moments start at zero.</summary>
    public Adam(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _m = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        _v = _parameters.Select(p => new float[p.Value.Length]).ToArray();
        _segments = new ParameterSegments(_parameters);
        _update = Update;
        (LearningRate, Beta1, Beta2, Epsilon, WeightDecay) = (learningRate, beta1, beta2, epsilon, weightDecay);
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
        if (WeightDecay != 0f)
        {
            GradientTransforms.DecayWeights(_parameters, LearningRate * WeightDecay);
        }

        // Fold the bias corrections into the step size: α·m̂/(√v̂+ε) = αₜ·m/(√v + ε̂), αₜ = α·√(1−β₂ᵗ)/(1−β₁ᵗ),
        // ε̂ = ε·√(1−β₂ᵗ) (exactly the paper's update, one multiply fewer per value).
        double correction2 = Math.Sqrt(1 - Math.Pow(Beta2, StepCount));
        _stepSize = (float)(LearningRate * correction2 / (1 - Math.Pow(Beta1, StepCount)));
        _epsilonHat = (float)(Epsilon * correction2);
        _segments.Run(_update);
    }

    private void Update(int parameter, int start, int length)
    {
        Span<float> w = _parameters[parameter].Value.AsSpan(start, length);
        ReadOnlySpan<float> g = _parameters[parameter].Gradient.AsSpan(start, length);
        Span<float> m = _m[parameter].AsSpan(start, length), v = _v[parameter].AsSpan(start, length);
        float b1 = Beta1, b2 = Beta2, stepSize = _stepSize, epsilonHat = _epsilonHat;
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
                var gs = Subnormals.Flush(gj, Subnormals.Squared);
                var mj = Subnormals.Flush(vb1 * new Vector<float>(m[j..]) + c1 * gj, Subnormals.State);
                var vj = Subnormals.Flush(vb2 * new Vector<float>(v[j..]) + c2 * gs * gs, Subnormals.State);
                mj.CopyTo(m[j..]);
                vj.CopyTo(v[j..]);
                (new Vector<float>(w[j..]) - vs * mj / (Vector.SquareRoot(vj) + ve)).CopyTo(w[j..]);
            }
        }

        for (; j < w.Length; j++)
        {
            float gs = Subnormals.Flush(g[j], Subnormals.Squared);
            m[j] = Subnormals.Flush(b1 * m[j] + (1 - b1) * g[j], Subnormals.State);
            v[j] = Subnormals.Flush(b2 * v[j] + (1 - b2) * gs * gs, Subnormals.State);
            w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) + epsilonHat);
        }
    }
}
