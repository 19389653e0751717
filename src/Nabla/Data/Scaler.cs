using System.Numerics.Tensors;

namespace Nabla.Data;

/// <summary>How raw feature values become network inputs.</summary>
public enum ScalingKind
{
    /// <summary>Values are used as they are.</summary>
    None,

    /// <summary>Each feature to [0, 1] by its training minimum and maximum (constant features to 0).</summary>
    MinMax,

    /// <summary>Each feature to mean 0, standard deviation 1 on the training part (constant features to 0).</summary>
    Standard,

    /// <summary>One fixed factor for every feature (1/255 for pixels).</summary>
    Fixed,
}

/// <summary>
/// A per-feature affine transform, x' = (x − offset)·scale, fitted on the training part only and stored in the model
/// file, so prediction applies exactly what training did.
/// </summary>
public sealed class Scaler
{
    /// <summary>Creates a scaler from its parameters.</summary>
    public Scaler(ScalingKind kind, float[] offset, float[] scale)
    {
        ArgumentNullException.ThrowIfNull(offset);
        ArgumentNullException.ThrowIfNull(scale);
        if (offset.Length != scale.Length)
        {
            throw new ArgumentException($"A scaler needs as many offsets ({offset.Length}) as scales ({scale.Length}).");
        }

        (Kind, Offset, Scale) = (kind, offset, scale);
    }

    /// <summary>The kind of scaling.</summary>
    public ScalingKind Kind { get; }

    /// <summary>Subtracted from each feature.</summary>
    public float[] Offset { get; }

    /// <summary>Then multiplied with each feature.</summary>
    public float[] Scale { get; }

    /// <summary>Parses "none", "minmax", "standard".</summary>
    public static ScalingKind ParseKind(string name) => name.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        "none" => ScalingKind.None,
        "minmax" => ScalingKind.MinMax,
        "standard" or "standardize" or "zscore" => ScalingKind.Standard,
        _ => throw new ArgumentException($"The scaling '{name}' is not supported. Supported scalings are none, minmax, standard."),
    };

    /// <summary>The same factor for all <paramref name="features"/>.</summary>
    public static Scaler Fixed(int features, float factor) => new(ScalingKind.Fixed, new float[features], Enumerable.Repeat(factor, features).ToArray());

    /// <summary>Fits <paramref name="kind"/> on raw rows [rows, features] (in double, for accuracy).</summary>
    public static Scaler Fit(ScalingKind kind, ReadOnlySpan<float> values, int features)
    {
        var offset = new float[features];
        var scale = Enumerable.Repeat(1f, features).ToArray();
        int rows = features == 0 ? 0 : values.Length / features;
        if (kind == ScalingKind.MinMax && rows > 0)
        {
            var min = Enumerable.Repeat(double.PositiveInfinity, features).ToArray();
            var max = Enumerable.Repeat(double.NegativeInfinity, features).ToArray();
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < features; j++)
                {
                    double v = values[i * features + j];
                    min[j] = Math.Min(min[j], v);
                    max[j] = Math.Max(max[j], v);
                }
            }

            for (int j = 0; j < features; j++)
            {
                offset[j] = (float)min[j];
                scale[j] = max[j] > min[j] ? (float)(1 / (max[j] - min[j])) : 1f;
            }
        }
        else if (kind == ScalingKind.Standard && rows > 0)
        {
            var sum = new double[features];
            var squares = new double[features];
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < features; j++)
                {
                    double v = values[i * features + j];
                    sum[j] += v;
                    squares[j] += v * v;
                }
            }

            for (int j = 0; j < features; j++)
            {
                double mean = sum[j] / rows;
                double deviation = Math.Sqrt(Math.Max(0, squares[j] / rows - mean * mean));
                offset[j] = (float)mean;
                scale[j] = deviation > 1e-12 * Math.Max(1, Math.Abs(mean)) ? (float)(1 / deviation) : 1f;
            }
        }

        return new Scaler(kind, offset, scale);
    }

    /// <summary>Applies the transform in place to rows [rows, features].</summary>
    public void Apply(Span<float> values)
    {
        int features = Offset.Length;
        for (int start = 0; start + features <= values.Length; start += features)
        {
            Span<float> row = values.Slice(start, features);
            TensorPrimitives.Subtract(row, Offset, row);
            TensorPrimitives.Multiply(row, Scale, row);
        }
    }

    /// <summary>Undoes the transform on one row (for showing misclassified examples in their original units).</summary>
    public void Invert(Span<float> row)
    {
        for (int j = 0; j < row.Length; j++)
        {
            row[j] = row[j] / Scale[j] + Offset[j];
        }
    }
}
