using Nabla.Tensors;

namespace Nabla.Data.Preprocessing;

/// <summary>
/// The preprocessing of a table, fitted on a training part only and then applied to any rows: for each column an
/// imputer and encoder (<see cref="NumericEncoder"/>, <see cref="OneHotEncoder"/>, <see cref="HashEncoder"/>), then
/// scaling of the numeric inputs (<see cref="Scaler"/>), and for regression the target's standardization — scikit-learn's
/// ColumnTransformer of SimpleImputer, OneHotEncoder and StandardScaler. It is stored in the model file, so prediction
/// sees new rows exactly as training saw its own; cross-validation fits one per fold, on that fold's training part,
/// so nothing of the held-out rows leaks into it.
/// </summary>
public sealed class TabularPreprocessor
{
    /// <summary>Creates a preprocessor from fitted parts.</summary>
    /// <param name="columns">One encoder per input column, in input order (names unique, ignoring case).</param>
    /// <param name="scaler">The affine transform of the encoded inputs (identity on 0/1 inputs); its size is the sum of the widths.</param>
    /// <param name="missingValues">The cell texts that meant "missing" in training (an empty cell always does).</param>
    /// <param name="refuseMissing">Whether the model was trained refusing missing cells (<c>--missing error</c>).</param>
    /// <param name="targetMean">Regression: the training target's mean (0 otherwise).</param>
    /// <param name="targetStd">Regression: the training target's standard deviation (1 otherwise); positive.</param>
    public TabularPreprocessor(IReadOnlyList<ColumnEncoder> columns, Scaler scaler, IReadOnlyList<string> missingValues, bool refuseMissing, double targetMean = 0, double targetStd = 1)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(scaler);
        ArgumentNullException.ThrowIfNull(missingValues);
        if (columns.Count == 0)
        {
            throw new ArgumentException("A preprocessor needs at least one column.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (ColumnEncoder column in columns)
        {
            if (!names.Add(column.Name))
            {
                throw new ArgumentException($"The column '{CsvLoader.Show(column.Name)}' is listed twice.");
            }
        }

        long width = columns.Sum(c => (long)c.Width);
        if (scaler.Offset.Length != width)
        {
            throw new ArgumentException($"The scaler has {scaler.Offset.Length} values but the columns make {width} inputs.");
        }

        if (!(double.IsFinite(targetMean) && targetStd > 0 && double.IsFinite(targetStd)))
        {
            throw new ArgumentException($"The target's mean and standard deviation must be finite and the deviation positive, got {targetMean} and {targetStd}.");
        }

        (Columns, Scaler, MissingValues, RefuseMissing, TargetMean, TargetStd) = ([.. columns], scaler, [.. missingValues], refuseMissing, targetMean, targetStd);
        OutputWidth = (int)width;
        OutputNames = Columns.SelectMany(c => c.OutputNames).ToArray();
    }

    /// <summary>The column encoders, in input order.</summary>
    public IReadOnlyList<ColumnEncoder> Columns { get; }

    /// <summary>Scaling of the encoded inputs.</summary>
    public Scaler Scaler { get; }

    /// <summary>The cell texts that mean "missing" (besides an empty cell).</summary>
    public IReadOnlyList<string> MissingValues { get; }

    /// <summary>Whether missing cells are an error (the model was trained with <c>--missing error</c>).</summary>
    public bool RefuseMissing { get; }

    /// <summary>Regression: the training target's mean; predictions are mapped back as ŷ·std + mean.</summary>
    public double TargetMean { get; }

    /// <summary>Regression: the training target's standard deviation.</summary>
    public double TargetStd { get; }

    /// <summary>Network inputs a row becomes.</summary>
    public int OutputWidth { get; }

    /// <summary>A name for each network input.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>The table columns read, in order.</summary>
    public IReadOnlyList<string> InputNames => Columns.Select(c => c.Name).ToArray();

    /// <summary>The columns read as categories.</summary>
    public IReadOnlyList<string> CategoricalColumns => Columns.Where(c => c.Kind == ColumnKind.Categorical).Select(c => c.Name).ToArray();

    /// <summary>
    /// Fits every step on <paramref name="rows"/> of <paramref name="data"/> (the training part): imputation values,
    /// categories, scaling statistics, and for regression the target's mean and deviation.
    /// </summary>
    /// <exception cref="ArgumentException">No rows, or options out of range.</exception>
    public static TabularPreprocessor Fit(TabularData data, ReadOnlySpan<int> rows, PreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (rows.IsEmpty)
        {
            throw new ArgumentException("Preprocessing needs at least one training row.");
        }

        var encoders = new List<ColumnEncoder>();
        foreach (CsvColumn column in data.Table.Columns)
        {
            if (column.Kind == ColumnKind.Numeric)
            {
                encoders.Add(NumericEncoder.Fit(column, rows, options.NumericImputation, options.MissingIndicator));
                continue;
            }

            int distinct = OneHotEncoder.Count(column, rows).Counts.Count(n => n > 0);
            bool hash = options.Encoding == CategoricalEncoding.Hash || (options.Encoding == CategoricalEncoding.Auto && distinct > options.MaxOneHotCategories);
            encoders.Add(hash ? HashEncoder.Fit(column, rows, options.HashBuckets, options.CategoricalImputation)
                : OneHotEncoder.Fit(column, rows, options.CategoricalImputation, options.MinFrequency));
        }

        // Scaling statistics are of the imputed, encoded training rows (scikit-learn scales after imputing).
        var identity = new TabularPreprocessor(encoders, new Scaler(ScalingKind.None, new float[encoders.Sum(e => e.Width)], Enumerable.Repeat(1f, encoders.Sum(e => e.Width)).ToArray()), data.Table.MissingValues, !data.Table.AllowMissing);
        float[] encoded = identity.Encode(data.Table, rows, new TransformReport(identity.InputNames));
        Scaler fitted = Scaler.Fit(options.Scaling, encoded, identity.OutputWidth);
        float[] offset = fitted.Offset, scale = fitted.Scale;
        int at = 0;
        foreach (ColumnEncoder encoder in encoders)
        {
            for (int k = 0; k < encoder.Width; k++, at++)
            {
                if (!encoder.IsScaled(k))
                {
                    (offset[at], scale[at]) = (0f, 1f);
                }
            }
        }

        double mean = 0, std = 1;
        if (data.Values is { } values)
        {
            foreach (int row in rows)
            {
                mean += values[row];
            }

            mean /= rows.Length;
            double squares = 0;
            foreach (int row in rows)
            {
                squares += (values[row] - mean) * (values[row] - mean);
            }

            std = Math.Sqrt(squares / rows.Length);
            std = std > 0 && double.IsFinite(std) ? std : 1;
        }

        return new TabularPreprocessor(encoders, new Scaler(options.Scaling, offset, scale), data.Table.MissingValues, !data.Table.AllowMissing, mean, std);
    }

    /// <summary>The network inputs of <paramref name="rows"/> of <paramref name="table"/>, row-major [rows, <see cref="OutputWidth"/>].</summary>
    /// <exception cref="DataFormatException">The table lacks a column, or reads one as another kind.</exception>
    public float[] Transform(CsvTable table, ReadOnlySpan<int> rows, out TransformReport report)
    {
        ArgumentNullException.ThrowIfNull(table);
        report = new TransformReport(InputNames);
        float[] values = Encode(table, rows, report);
        Scaler.Apply(values);
        return values;
    }

    /// <summary>The network inputs of every row of <paramref name="table"/>, as a [rows, <see cref="OutputWidth"/>] tensor.</summary>
    public Tensor Transform(CsvTable table, out TransformReport report)
    {
        ArgumentNullException.ThrowIfNull(table);
        int[] all = Enumerable.Range(0, table.Rows).ToArray();
        return new Tensor(Transform(table, all, out report), new Shape(table.Rows, OutputWidth));
    }

    /// <summary>A dataset of <paramref name="rows"/> of <paramref name="data"/>: the transformed features and the
    /// targets (regression targets standardized with <see cref="TargetMean"/> and <see cref="TargetStd"/>).</summary>
    public Dataset ToDataset(TabularData data, ReadOnlySpan<int> rows, out TransformReport report)
    {
        ArgumentNullException.ThrowIfNull(data);
        var features = new Tensor(Transform(data.Table, rows, out report), new Shape(rows.Length, OutputWidth));
        if (data.Values is { } values)
        {
            var targets = new Tensor(rows.Length, 1);
            for (int i = 0; i < rows.Length; i++)
            {
                targets[i] = (float)((values[rows[i]] - TargetMean) / TargetStd);
            }

            return Dataset.Regression(features, targets);
        }

        int[] all = data.Labels ?? throw new ArgumentException("The data has neither labels nor values.");
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            labels[i] = all[rows[i]];
        }

        Dataset dataset = data.Task == TaskKind.Binary ? Dataset.Binary(features, labels) : new Dataset(features, labels, data.ClassNames.Count);
        dataset.ClassNames = data.ClassNames;
        return dataset;
    }

    /// <summary>All rows of <paramref name="data"/> as a dataset (see <see cref="ToDataset(TabularData, ReadOnlySpan{int}, out TransformReport)"/>).</summary>
    public Dataset ToDataset(TabularData data, out TransformReport report)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ToDataset(data, Enumerable.Range(0, data.Count).ToArray(), out report);
    }

    /// <summary>Each column's preprocessing in words, with its scaling: (column, description) pairs, for
    /// <c>nabla summary</c> and reports.</summary>
    public IReadOnlyList<(string Column, string Description)> Describe()
    {
        var lines = new List<(string, string)>();
        int at = 0;
        foreach (ColumnEncoder column in Columns)
        {
            string scaling = column is NumericEncoder && Scaler.Kind != ScalingKind.None
                ? FormattableString.Invariant($"; {Scaler.Kind.ToString().ToLowerInvariant()} scaling (x − {Scaler.Offset[at]:G5}) × {Scaler.Scale[at]:G5}")
                : "";
            lines.Add((column.Name, $"{column.Describe()}{scaling} → {column.Width} input{(column.Width == 1 ? "" : "s")}"));
            at += column.Width;
        }

        return lines;
    }

    private float[] Encode(CsvTable table, ReadOnlySpan<int> rows, TransformReport report)
    {
        if (table.Columns.Count != Columns.Count)
        {
            throw new DataFormatException($"{table.Path}: {table.Columns.Count} feature columns but the preprocessing reads {Columns.Count} ({string.Join(", ", InputNames.Take(6).Select(n => CsvLoader.Show(n)))}{(Columns.Count > 6 ? ", …" : "")}).");
        }

        var values = new float[(long)rows.Length * OutputWidth];
        int offset = 0;
        for (int j = 0; j < Columns.Count; j++)
        {
            ColumnEncoder encoder = Columns[j];
            CsvColumn column = table.Columns[j];
            if (!string.Equals(column.Name, encoder.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new DataFormatException($"{table.Path}: feature column {j + 1} is '{CsvLoader.Show(column.Name)}' but the preprocessing expects '{CsvLoader.Show(encoder.Name)}'.");
            }

            if (column.Kind != encoder.Kind)
            {
                throw new DataFormatException($"{table.Path}: column {column.FileColumn + 1} ('{CsvLoader.Show(column.Name)}') was read as {Kind(column.Kind)} but the model reads it as {Kind(encoder.Kind)}" +
                    (encoder.Kind == ColumnKind.Categorical ? " (load it with CsvOptions.Categorical)." : " (a cell is not a number)."));
            }

            encoder.Encode(column, rows, values, OutputWidth, offset, report, j);
            offset += encoder.Width;
        }

        return values;

        static string Kind(ColumnKind kind) => kind == ColumnKind.Numeric ? "numbers" : "categories";
    }
}
