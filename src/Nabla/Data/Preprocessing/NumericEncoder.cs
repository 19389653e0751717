using System.Globalization;

namespace Nabla.Data.Preprocessing;

/// <summary>A numeric column: the value itself, a missing cell replaced by <see cref="Fill"/> (the training part's
/// median or mean), and optionally a 0/1 "was missing" input after it.</summary>
public sealed class NumericEncoder : ColumnEncoder
{
    /// <summary>Creates the encoder from its fitted values.</summary>
    public NumericEncoder(string name, int missingInTraining, NumericImputation imputation, float fill, bool indicator)
        : base(name, missingInTraining)
    {
        if (!float.IsFinite(fill))
        {
            throw new ArgumentException($"The fill value of column '{CsvLoader.Show(name)}' must be finite, got {fill}.");
        }

        (Imputation, Fill, Indicator) = (imputation, fill, indicator);
        OutputNames = indicator ? [name, name + "=missing"] : [name];
    }

    /// <summary>The statistic <see cref="Fill"/> is.</summary>
    public NumericImputation Imputation { get; }

    /// <summary>What a missing cell becomes (0 when the training part had no value at all).</summary>
    public float Fill { get; }

    /// <summary>Whether a 0/1 missing indicator follows the value.</summary>
    public bool Indicator { get; }

    /// <inheritdoc/>
    public override ColumnKind Kind => ColumnKind.Numeric;

    /// <inheritdoc/>
    public override int Width => Indicator ? 2 : 1;

    /// <inheritdoc/>
    public override IReadOnlyList<string> OutputNames { get; }

    /// <inheritdoc/>
    public override bool IsScaled(int output) => output == 0;

    /// <summary>Fits on the training rows <paramref name="rows"/> of <paramref name="column"/> (NaN = missing).</summary>
    public static NumericEncoder Fit(CsvColumn column, ReadOnlySpan<int> rows, NumericImputation imputation, bool indicator)
    {
        ArgumentNullException.ThrowIfNull(column);
        float[] numbers = column.Numbers ?? throw new ArgumentException($"Column '{column.Name}' is not numeric.");
        var present = new List<double>(rows.Length);
        foreach (int row in rows)
        {
            if (!float.IsNaN(numbers[row]))
            {
                present.Add(numbers[row]);
            }
        }

        int missing = rows.Length - present.Count;
        double fill = 0;
        if (present.Count > 0 && imputation == NumericImputation.Mean)
        {
            fill = present.Average();
        }
        else if (present.Count > 0)
        {
            present.Sort();
            int middle = present.Count / 2;
            fill = present.Count % 2 == 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
        }

        return new NumericEncoder(column.Name, missing, imputation, (float)fill, indicator && missing > 0);
    }

    /// <inheritdoc/>
    public override string Describe()
    {
        string fill = Fill.ToString("G6", CultureInfo.InvariantCulture);
        string imputation = MissingInTraining == 0
            ? $"none missing in training (a missing cell → {Imputation.ToString().ToLowerInvariant()} {fill})"
            : $"{MissingInTraining} missing in training → {Imputation.ToString().ToLowerInvariant()} {fill}";
        return $"numeric; {imputation}{(Indicator ? " + missing indicator" : "")}";
    }

    internal override void Encode(CsvColumn column, ReadOnlySpan<int> rows, Span<float> output, int stride, int offset, TransformReport report, int index)
    {
        float[] numbers = column.Numbers!;
        long imputed = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            float value = numbers[rows[i]];
            bool missing = float.IsNaN(value);
            imputed += missing ? 1 : 0;
            output[i * stride + offset] = missing ? Fill : value;
            if (Indicator)
            {
                output[i * stride + offset + 1] = missing ? 1f : 0f;
            }
        }

        report.Imputed(index, imputed);
    }
}
