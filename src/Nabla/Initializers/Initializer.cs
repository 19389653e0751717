using System.Globalization;

namespace Nabla.Initializers;

/// <summary>How a dense layer's weights start.</summary>
public enum Initializer
{
    /// <summary>The default for the layer's activation: <see cref="HeUniform"/> before ReLU/LeakyReLU,
    /// <see cref="GlorotUniform"/> before anything else (sigmoid, tanh, softmax, linear).</summary>
    Default,

    /// <summary>U(−0.5, 0.5) for weights <b>and</b> biases, as in the from-scratch NumPy tutorials.</summary>
    Uniform,

    /// <summary>N(0, 0.05²), Keras's RandomNormal; biases zero.</summary>
    Normal,

    /// <summary>Glorot/Xavier uniform: U(−l, l), l = √(6 / (fanIn + fanOut)); biases zero.</summary>
    GlorotUniform,

    /// <summary>Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)); biases zero.</summary>
    GlorotNormal,

    /// <summary>He/Kaiming uniform: U(−l, l), l = √(6 / fanIn); biases zero.</summary>
    HeUniform,

    /// <summary>He/Kaiming normal: N(0, 2 / fanIn); biases zero.</summary>
    HeNormal,

    /// <summary>PyTorch's <c>nn.Linear</c> default: weights and biases U(−1/√fanIn, 1/√fanIn)
    /// (kaiming_uniform with a = √5).</summary>
    PyTorchUniform,

    /// <summary>All zeros (a network that cannot break symmetry; for tests and linear models).</summary>
    Zeros,
}

/// <summary>Fills weight and bias arrays according to an <see cref="Initializer"/>.</summary>
public static class Initialization
{
    /// <summary>Names accepted by <see cref="Parse"/>, as the CLI shows them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["default", "uniform", "normal", "glorot-uniform", "glorot-normal", "he-uniform", "he-normal", "pytorch-uniform", "zeros"];

    /// <summary>Parses a CLI name ("he-normal", "xavier-uniform", …).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the supported ones.</exception>
    public static Initializer Parse(string name) => name.ToLowerInvariant().Replace('_', '-') switch
    {
        "default" => Initializer.Default,
        "uniform" => Initializer.Uniform,
        "normal" => Initializer.Normal,
        "glorot-uniform" or "xavier-uniform" or "glorot" or "xavier" => Initializer.GlorotUniform,
        "glorot-normal" or "xavier-normal" => Initializer.GlorotNormal,
        "he-uniform" or "kaiming-uniform" => Initializer.HeUniform,
        "he-normal" or "kaiming-normal" or "he" => Initializer.HeNormal,
        "pytorch-uniform" or "torch" or "pytorch" => Initializer.PyTorchUniform,
        "zeros" or "zero" => Initializer.Zeros,
        _ => throw new ArgumentException($"The initializer '{name}' is not supported. Supported initializers are {string.Join(", ", Names)}."),
    };

    /// <summary>The CLI name of <paramref name="initializer"/>.</summary>
    public static string NameOf(Initializer initializer) => Names[(int)initializer];

    /// <summary>Fills <paramref name="weights"/> (fanIn × fanOut) and <paramref name="biases"/>.</summary>
    public static void Fill(Initializer initializer, int fanIn, int fanOut, Span<float> weights, Span<float> biases, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        biases.Clear();
        switch (initializer)
        {
            case Initializer.Uniform:
                FillUniform(weights, 0.5, random);
                FillUniform(biases, 0.5, random);
                break;
            case Initializer.Normal:
                FillNormal(weights, 0.05, random);
                break;
            case Initializer.GlorotUniform:
                FillUniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random);
                break;
            case Initializer.GlorotNormal:
                FillNormal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random);
                break;
            case Initializer.HeUniform:
                FillUniform(weights, Math.Sqrt(6.0 / fanIn), random);
                break;
            case Initializer.HeNormal:
                FillNormal(weights, Math.Sqrt(2.0 / fanIn), random);
                break;
            case Initializer.PyTorchUniform:
                FillUniform(weights, 1 / Math.Sqrt(fanIn), random);
                FillUniform(biases, 1 / Math.Sqrt(fanIn), random);
                break;
            case Initializer.Zeros:
                weights.Clear();
                break;
            default:
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Initializer {initializer} must be resolved to a concrete one first."));
        }
    }

    internal static void FillUniform(Span<float> values, double limit, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * limit);
        }
    }

    /// <summary>Normal samples by the Box–Muller transform (two uniforms → two independent normals).</summary>
    internal static void FillNormal(Span<float> values, double standardDeviation, Random random)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1)) * standardDeviation;
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
