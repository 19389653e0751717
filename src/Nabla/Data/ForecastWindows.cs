using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>What a forecasting model was trained on, kept in its model file so that <c>predict</c> can build the window
/// after the end of a new file.</summary>
/// <param name="Window">Past steps per input (N).</param>
/// <param name="Horizon">Steps forecast (H).</param>
/// <param name="Season">The season length of the seasonal naive baseline (0: none).</param>
/// <param name="Columns">The target, then the covariates, as the model reads them.</param>
/// <param name="DateColumn">The date column, or null.</param>
public sealed record ForecastSettings(int Window, int Horizon, int Season, IReadOnlyList<string> Columns, string? DateColumn)
{
    /// <summary>The settings as one JSON string (a model file's metadata value, read back and checked by
    /// <see cref="Serialization.ModelFile"/>).</summary>
    public string ToJson() => new JsonObject
    {
        ["window"] = Window,
        ["horizon"] = Horizon,
        ["season"] = Season,
        ["columns"] = new JsonArray(Columns.Select(c => (JsonNode)c).ToArray()),
        ["date_column"] = DateColumn,
    }.ToJsonString();
}

/// <summary>
/// A time series cut into supervised windows for forecasting: each sample is the past <c>window</c> steps of every
/// column ([window, columns]: the target first, then the covariates), its target the next <c>horizon</c> values of the
/// target column.
/// </summary>
/// <remarks>
/// <para><b>The split is chronological.</b> The last <c>testFraction</c> of the steps are the test period: test
/// windows are those whose forecast starts in it (their inputs may reach back before it, as a forecast made at that
/// time would), training windows those whose forecast ends before it, and a validation period, when asked for, is
/// the end of the training part, split the same way. Nothing is shuffled across a cut, and windows whose forecast would
/// straddle one are left out.</para>
/// <para><b>Scaling</b> is fitted on the training steps only: each column with <see cref="Scaler"/> (the same offset
/// and factor at every step of a window), and the target standardized (mean, deviation), as regression targets are.</para>
/// <para><b>Baselines</b>, on the test windows, in the target's units: the last value (ŷ_{t+h} = y_{t−1}) and, with a
/// season S, the seasonal naive forecast (ŷ_{t+h} = y_{t+h−kS}, the same step of the last season seen before t).</para>
/// </remarks>
public sealed class ForecastWindows
{
    private ForecastWindows()
    {
    }

    /// <summary>Training windows (scaled inputs, standardized targets).</summary>
    public Dataset Train { get; private init; } = null!;

    /// <summary>Validation windows, or null.</summary>
    public Dataset? Validation { get; private init; }

    /// <summary>Test windows.</summary>
    public Dataset Test { get; private init; } = null!;

    /// <summary>The input scaling, one offset and factor per value of a window (window × columns).</summary>
    public Scaler InputScaler { get; private init; } = null!;

    /// <summary>The training target's mean.</summary>
    public double TargetMean { get; private init; }

    /// <summary>The training target's standard deviation (1 for a constant target).</summary>
    public double TargetStd { get; private init; }

    /// <summary>For each test window, the step its forecast starts at.</summary>
    public IReadOnlyList<int> TestStarts { get; private init; } = [];

    /// <summary>The test windows' true values [windows, horizon], in the target's units.</summary>
    public float[] TestActual { get; private init; } = [];

    /// <summary>The last-value baseline on the test windows [windows, horizon].</summary>
    public float[] LastValue { get; private init; } = [];

    /// <summary>The seasonal naive baseline on the test windows, or null without a season.</summary>
    public float[]? SeasonalNaive { get; private init; }

    /// <summary>The first step of the test period.</summary>
    public int TestCut { get; private init; }

    /// <summary>Cuts <paramref name="series"/> into windows (see the remarks).</summary>
    /// <exception cref="ArgumentException">The window, horizon, season or split leave no training or test window; the
    /// message names the option (--window, --horizon, --season, --test-split, --val-split).</exception>
    public static ForecastWindows Create(TimeSeries series, ForecastSettings settings, ScalingKind scaling, double testFraction, double validationFraction)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(settings);
        var (window, horizon, season, rows) = (settings.Window, settings.Horizon, settings.Season, series.Rows);
        Require(window >= 1, $"--window must be at least 1, got {window}.");
        Require(horizon >= 1, $"--horizon must be at least 1, got {horizon}.");
        Require(season >= 0, $"--season must be 0 (none) or a number of steps, got {season}.");
        Require(testFraction > 0 && testFraction < 1, $"--test-split must be in (0, 1) for forecasting (the last part of the series is the test period), got {F(testFraction)}.");
        Require(window + horizon <= rows, $"--window {window} is longer than the series: {series.Path} has {rows} steps, and a window of {window} plus a horizon of {horizon} needs {window + horizon}.");
        int cut = rows - (int)Math.Round(rows * testFraction);
        Require(cut >= window, $"--window {window} does not fit before the test period, which starts at step {cut + 1} of {rows} (--test-split {F(testFraction)}): use a shorter window or a smaller test split.");
        Require(rows - horizon >= cut, $"--horizon {horizon} is longer than the test period ({rows - cut} steps, --test-split {F(testFraction)}).");
        Require(season <= cut, $"--season {season} needs a whole season before the test period, which starts at step {cut + 1}.");
        int validationCut = validationFraction > 0 ? cut - (int)Math.Round(cut * validationFraction) : cut;
        int trainWindows = validationCut - horizon - window + 1;
        Require(trainWindows >= 1, $"--window {window} with --horizon {horizon} leaves no training window before step {validationCut + 1} (the {(validationFraction > 0 ? "validation" : "test")} period): shorten them or lower --test-split{(validationFraction > 0 ? "/--val-split" : "")}.");
        Require(validationFraction <= 0 || cut - horizon >= Math.Max(window, validationCut), $"--val-split {F(validationFraction)} leaves no validation window (window {window}, horizon {horizon}).");

        // Scaling from the training steps only.
        int columns = series.Columns.Count;
        Scaler perColumn = Scaler.Fit(scaling, series.Values.AsSpan(0, validationCut * columns), columns);
        var offset = new float[window * columns];
        var scale = new float[window * columns];
        for (int i = 0; i < window; i++)
        {
            perColumn.Offset.CopyTo(offset, i * columns);
            perColumn.Scale.CopyTo(scale, i * columns);
        }

        double mean = 0, squares = 0;
        for (int t = 0; t < validationCut; t++)
        {
            mean += series.TargetAt(t);
        }

        mean /= validationCut;
        for (int t = 0; t < validationCut; t++)
        {
            squares += (series.TargetAt(t) - mean) * (series.TargetAt(t) - mean);
        }

        double std = Math.Sqrt(squares / validationCut);
        std = std > 1e-12 * Math.Max(1, Math.Abs(mean)) ? std : 1;
        var scaler = new Scaler(scaling, offset, scale);

        Dataset Windows(int first, int last)
        {
            int count = last - first + 1;
            var x = new Tensor(count, window, columns);
            var y = new Tensor(count, horizon);
            for (int w = 0; w < count; w++)
            {
                int t = first + w;
                series.Values.AsSpan((t - window) * columns, window * columns).CopyTo(x.Span.Slice(w * window * columns));
                for (int h = 0; h < horizon; h++)
                {
                    y[w, h] = (float)((series.TargetAt(t + h) - mean) / std);
                }
            }

            scaler.Apply(x.Span);
            return Dataset.Regression(x, y);
        }

        int[] starts = Enumerable.Range(cut, rows - horizon - cut + 1).ToArray();
        var actual = new float[starts.Length * horizon];
        var last = new float[actual.Length];
        float[]? seasonal = season > 0 ? new float[actual.Length] : null;
        for (int w = 0; w < starts.Length; w++)
        {
            int t = starts[w];
            for (int h = 0; h < horizon; h++)
            {
                actual[w * horizon + h] = series.TargetAt(t + h);
                last[w * horizon + h] = series.TargetAt(t - 1);
                if (seasonal is not null)
                {
                    seasonal[w * horizon + h] = series.TargetAt(t + h - season * (h / season + 1));
                }
            }
        }

        return new ForecastWindows
        {
            Train = Windows(window, validationCut - horizon),
            Validation = validationFraction > 0 ? Windows(Math.Max(window, validationCut), cut - horizon) : null,
            Test = Windows(cut, rows - horizon),
            InputScaler = scaler,
            TargetMean = mean,
            TargetStd = std,
            TestStarts = starts,
            TestActual = actual,
            LastValue = last,
            SeasonalNaive = seasonal,
            TestCut = cut,
        };
    }

    /// <summary>The raw input of the window that ends with the series' last step: [window, columns], for the forecast of
    /// the steps after it (scale it with the model's scaler).</summary>
    /// <exception cref="ArgumentException">The series is shorter than the window.</exception>
    public static Tensor LastWindow(TimeSeries series, int window)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Rows < window)
        {
            throw new ArgumentException($"{series.Path} has {series.Rows} steps but the model forecasts from a window of the last {window}.");
        }

        int columns = series.Columns.Count;
        return new Tensor(series.Values.AsSpan((series.Rows - window) * columns, window * columns).ToArray(), new Shape(1, window, columns));
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);
}
