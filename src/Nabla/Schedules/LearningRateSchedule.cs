namespace Nabla.Schedules;

/// <summary>
/// Sets the learning rate before each batch. Position-based schedules (step, exponential, cosine, one-cycle,
/// inverse scaling) are functions of where training is; feedback schedules (reduce-on-plateau, adaptive) also see the
/// monitored loss after each epoch and keep a little state, which checkpoints save.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["constant", "step", "exponential", "cosine", "one-cycle", "plateau", "invscaling", "adaptive"];

    /// <summary>The schedule's name.</summary>
    public abstract string Name { get; }

    /// <summary>The learning rate for global step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>,
    /// in epoch <paramref name="epoch"/> (0-based), given the initial rate and the number of samples seen so far.</summary>
    public abstract float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen);

    /// <summary>Called after each epoch with the monitored loss (validation loss when there is a validation set).</summary>
    public virtual void EpochEnded(double monitoredLoss)
    {
    }

    /// <summary>The schedule's state, for checkpoints.</summary>
    public virtual double[] SaveState() => [];

    /// <summary>Restores what <see cref="SaveState"/> returned.</summary>
    public virtual void LoadState(double[] state)
    {
    }

    /// <summary>Creates a schedule by name with its default settings (documented on each class).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the supported ones.</exception>
    public static LearningRateSchedule Create(string name) => name.ToLowerInvariant().Replace('_', '-') switch
    {
        "constant" or "none" => new ConstantSchedule(),
        "step" => new StepSchedule(),
        "exponential" => new ExponentialSchedule(),
        "cosine" => new CosineSchedule(),
        "one-cycle" or "onecycle" => new OneCycleSchedule(),
        "plateau" or "reduce-on-plateau" => new ReduceOnPlateauSchedule(),
        "invscaling" => new InverseScalingSchedule(),
        "adaptive" => new AdaptiveSchedule(),
        _ => throw new ArgumentException($"The schedule '{name}' is not supported. Supported schedules are {string.Join(", ", Names)}."),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The initial learning rate throughout.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <inheritdoc/>
    public override string Name => "constant";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen) => initial;
}

/// <summary>PyTorch's StepLR: α·γ^⌊epoch / stepSize⌋ (defaults: every 10 epochs, γ = 0.1).</summary>
public sealed class StepSchedule(int stepSize = 10, float gamma = 0.1f) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override string Name => "step";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen) =>
        initial * MathF.Pow(gamma, epoch / Math.Max(1, stepSize));
}

/// <summary>PyTorch's ExponentialLR: α·γ^epoch (default γ = 0.95).</summary>
public sealed class ExponentialSchedule(float gamma = 0.95f) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override string Name => "exponential";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen) =>
        initial * MathF.Pow(gamma, epoch);
}

/// <summary>Cosine annealing per batch, from α down to 0 at the last step: α·(1 + cos(π·step/total))/2.</summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <inheritdoc/>
    public override string Name => "cosine";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen) =>
        (float)(initial * (1 + Math.Cos(Math.PI * step / Math.Max(1, totalSteps))) / 2);
}

/// <summary>
/// PyTorch's OneCycleLR with its defaults, α as the peak: cosine warm-up from α/25 to α over the first 30% of the
/// steps, then cosine annealing to α/(25·10⁴). Smith and Topin (2017), "Super-Convergence".
/// </summary>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    /// <inheritdoc/>
    public override string Name => "one-cycle";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen)
    {
        double start = initial / 25.0, end = start / 1e4;
        double warmup = Math.Max(1, 0.3 * totalSteps - 1);
        double s = step;
        if (s <= warmup)
        {
            return (float)Anneal(start, initial, s / warmup);
        }

        return (float)Anneal(initial, end, Math.Min(1, (s - warmup) / Math.Max(1, totalSteps - 1 - warmup)));
    }

    private static double Anneal(double from, double to, double fraction) => to + (from - to) * (1 + Math.Cos(Math.PI * fraction)) / 2;
}

/// <summary>
/// PyTorch's ReduceLROnPlateau (mode min, relative threshold): when the monitored loss has not improved on its best by
/// more than 1e−4 (relative) for <c>patience</c> epochs, the rate is multiplied by <c>factor</c> (defaults 10 and 0.1),
/// down to <c>minimum</c>.
/// </summary>
public sealed class ReduceOnPlateauSchedule(float factor = 0.1f, int patience = 10, float minimum = 0f) : LearningRateSchedule
{
    private double _scale = 1, _best = double.PositiveInfinity, _badEpochs;

    /// <inheritdoc/>
    public override string Name => "plateau";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen) =>
        Math.Max(minimum, (float)(initial * _scale));

    /// <inheritdoc/>
    public override void EpochEnded(double monitoredLoss)
    {
        if (monitoredLoss < _best * (1 - 1e-4))
        {
            _best = monitoredLoss;
            _badEpochs = 0;
        }
        else if (++_badEpochs > patience)
        {
            _scale *= factor;
            _badEpochs = 0;
        }
    }

    /// <inheritdoc/>
    public override double[] SaveState() => [_scale, _best, _badEpochs];

    /// <inheritdoc/>
    public override void LoadState(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        (_scale, _best, _badEpochs) = (state[0], state[1], state[2]);
    }
}

/// <summary>scikit-learn's <c>learning_rate='invscaling'</c>: after each epoch the rate becomes
/// α / (t + 1)^0.5, t = samples seen so far (its <c>power_t</c> = 0.5).</summary>
public sealed class InverseScalingSchedule(double power = 0.5) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override string Name => "invscaling";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen) =>
        epoch == 0 ? initial : (float)(initial / Math.Pow(samplesSeen + 1, power));
}

/// <summary>scikit-learn's <c>learning_rate='adaptive'</c>: the rate stays at α while the loss keeps improving by at
/// least <c>tol</c> = 1e−4; after <c>n_iter_no_change</c> = 10 epochs without such improvement it is divided by 5
/// (not below 1e−6).</summary>
public sealed class AdaptiveSchedule(int patience = 10, double tolerance = 1e-4) : LearningRateSchedule
{
    private double _divisions, _best = double.PositiveInfinity, _badEpochs;

    /// <inheritdoc/>
    public override string Name => "adaptive";

    /// <inheritdoc/>
    public override float LearningRate(float initial, long step, long totalSteps, int epoch, long samplesSeen)
    {
        double rate = initial;
        for (int i = 0; i < _divisions && rate > 1e-6; i++)
        {
            rate /= 5;
        }

        return (float)rate;
    }

    /// <inheritdoc/>
    public override void EpochEnded(double monitoredLoss)
    {
        _badEpochs = monitoredLoss > _best - tolerance ? _badEpochs + 1 : 0;
        _best = Math.Min(_best, monitoredLoss);
        if (_badEpochs >= patience)
        {
            _divisions++;
            _badEpochs = 0;
        }
    }

    /// <inheritdoc/>
    public override double[] SaveState() => [_divisions, _best, _badEpochs];

    /// <inheritdoc/>
    public override void LoadState(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        (_divisions, _best, _badEpochs) = (state[0], state[1], state[2]);
    }
}
