using System.Numerics.Tensors;
using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>
/// What happens to the gradients between the backward pass and the optimizer step, in one place: the L2 penalty,
/// clipping by value and by global norm, and (called by the optimizer) decoupled weight decay.
/// </summary>
public static class GradientTransforms
{
    /// <summary>
    /// scikit-learn's L2 penalty α on weights (not biases): dW += α·W/rows, and the penalty α/(2·rows)·Σ‖W‖² that
    /// is added to the reported loss (returned). <paramref name="rows"/> is the batch size, so α means what it means in
    /// scikit-learn's MLP for the same batch — with a loss whose value is scikit-learn's (the cross-entropies). For
    /// mean squared error, whose value is twice scikit-learn's (their squared loss is mean/2), the trainer passes 2α
    /// (<see cref="Losses.ILoss.PenaltyScale"/>): the objective is then twice scikit-learn's, with the same minimum.
    /// </summary>
    /// <remarks>Checked against scikit-learn 1.2: <c>MLPRegressor(hidden_layer_sizes=(), alpha=a)</c> and
    /// <c>Ridge(alpha=a)</c> reach the same weights (to 1e-6); a linear <c>nabla</c> model with <c>--l2 a</c> on a
    /// standardized target reaches Ridge's too (a test solves the ridge system and compares). Regression targets are
    /// standardized for training, so α acts as scikit-learn's alpha on the standardized target.</remarks>
    public static double ApplyL2(IReadOnlyList<Parameter> parameters, float alpha, int rows)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (alpha == 0f)
        {
            return 0;
        }

        double penalty = 0;
        float scale = alpha / rows;
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            if (p.IsWeight)
            {
                penalty += TensorPrimitives.Dot(p.Value, p.Value);
                TensorPrimitives.MultiplyAdd(p.Value, scale, p.Gradient, p.Gradient);
            }
        }

        return 0.5 * scale * penalty;
    }

    /// <summary>Clamps every gradient value to [−<paramref name="limit"/>, <paramref name="limit"/>] (Keras's clipvalue).</summary>
    public static void ClipByValue(IReadOnlyList<Parameter> parameters, float limit)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        for (int i = 0; i < parameters.Count; i++)
        {
            TensorPrimitives.Clamp(parameters[i].Gradient, -limit, limit, parameters[i].Gradient);
        }
    }

    /// <summary>Rescales all gradients together so that their global L2 norm is at most <paramref name="maxNorm"/>
    /// (PyTorch's clip_grad_norm_); returns the norm before clipping.</summary>
    public static double ClipByNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double squares = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            squares += TensorPrimitives.Dot(parameters[i].Gradient, parameters[i].Gradient);
        }

        double norm = Math.Sqrt(squares);
        if (norm > maxNorm)
        {
            float scale = (float)(maxNorm / norm);
            for (int i = 0; i < parameters.Count; i++)
            {
                TensorMath.Scale(scale, parameters[i].Gradient);
            }
        }

        return norm;
    }

    /// <summary>Decoupled weight decay (AdamW's), W ← W·(1 − <paramref name="rate"/>) for weights only, with rate = α·λ;
    /// biases, batch-norm scales and shifts are left alone (see <see cref="Optimizers.Adam"/>).</summary>
    public static void DecayWeights(IReadOnlyList<Parameter> parameters, float rate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].IsWeight)
            {
                TensorPrimitives.Multiply(parameters[i].Value, 1f - rate, parameters[i].Value);
            }
        }
    }

    /// <summary>Applies the options' L2 (times <paramref name="penaltyScale"/>, the loss's
    /// <see cref="Losses.ILoss.PenaltyScale"/>), clipping by value, then by norm; returns the L2 penalty for the loss.</summary>
    internal static double Apply(IReadOnlyList<Parameter> parameters, TrainingOptions options, int rows, float penaltyScale)
    {
        double penalty = ApplyL2(parameters, options.L2 * penaltyScale, rows);
        if (options.ClipValue is { } limit)
        {
            ClipByValue(parameters, limit);
        }

        if (options.ClipNorm is { } maxNorm)
        {
            ClipByNorm(parameters, maxNorm);
        }

        return penalty;
    }
}
