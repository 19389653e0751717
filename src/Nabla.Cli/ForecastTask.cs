using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Cli.Commands;
using Nabla.Data;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>A forecasting run's series, settings and windows (with the test baselines).</summary>
/// <param name="Series">The series read.</param>
/// <param name="Settings">Window, horizon, season and columns.</param>
/// <param name="Windows">The chronological split into scaled windows.</param>
internal sealed record ForecastPrepared(TimeSeries Series, ForecastSettings Settings, ForecastWindows Windows);

/// <summary><c>nabla train --task forecast</c> and <c>nabla predict</c> with a forecasting model: windows of a time
/// series CSV, the naive baselines, and the forecast after the end of a file.</summary>
internal static class ForecastTask
{
    /// <summary>Reads the series and cuts it into windows (see <see cref="ForecastWindows"/>).</summary>
    public static PreparedData Prepare(TrainCommand.TrainSettings s, TrainingRecipe recipe)
    {
        TimeSeries series = TimeSeries.Load(s.Data, new TimeSeriesOptions { Target = s.Table.Target, DateColumn = s.Sequence.Date, Drop = s.Table.Drop });
        var settings = new ForecastSettings(s.Sequence.Window!.Value, s.Sequence.Horizon ?? 1, s.Sequence.Season ?? 0, series.Columns, series.Dates?.Column);
        ForecastWindows windows = ForecastWindows.Create(series, settings, s.Table.Preprocessing.Scaling, s.TestSplit ?? 0.2, recipe.ValidationSplit);
        var metadata = new ModelMetadata([], 1f, "")
        {
            Task = TaskKind.Regression,
            Scaler = windows.InputScaler,
            TargetName = series.Target,
            TargetMean = windows.TargetMean,
            TargetStd = windows.TargetStd,
            Forecast = settings,
        };
        return new PreparedData(windows.Train, windows.Validation, windows.Test, metadata, IsImage: false)
        {
            Forecast = new ForecastPrepared(series, settings, windows),
        };
    }

    /// <summary>RMSE, MAE and MAPE of the model on the test windows, next to the naive baselines'.</summary>
    public static void Report(TrainCommand.TrainSettings s, ForecastPrepared f, Sequential model, ModelMetadata metadata, EvaluationResult result,
        TrainingHistory history, double trainSeconds, CliConsole console)
    {
        float[] forecast = Reports.Unstandardize(result.Outputs.Span, metadata);
        ForecastWindows w = f.Windows;
        ForecastMetrics ours = ForecastMetrics.Compute(w.TestActual, forecast);
        ForecastMetrics last = ForecastMetrics.Compute(w.TestActual, w.LastValue);
        ForecastMetrics? seasonal = w.SeasonalNaive is { } naive ? ForecastMetrics.Compute(w.TestActual, naive) : null;
        if (s.Plot is not null)
        {
            ForecastPlot.Save(s.Plot, f, forecast);
        }

        string period = f.Series.Dates is { } dates ? $"{dates.Texts[w.TestCut]}–{dates.Texts[^1]}" : $"steps {w.TestCut + 1}–{f.Series.Rows}";
        if (s.Json)
        {
            var report = new JsonObject
            {
                ["train_seconds"] = Math.Round(trainSeconds, 3),
                ["task"] = "forecast",
                ["target"] = f.Series.Target,
                ["window"] = f.Settings.Window,
                ["horizon"] = f.Settings.Horizon,
                ["test_windows"] = w.TestStarts.Count,
                ["test_period"] = period,
                ["test_rmse"] = ours.RootMeanSquaredError,
                ["test_mae"] = ours.MeanAbsoluteError,
                ["test_mape"] = ours.MeanAbsolutePercentageError,
                ["naive_rmse"] = last.RootMeanSquaredError,
                ["naive_mae"] = last.MeanAbsoluteError,
                ["naive_mape"] = last.MeanAbsolutePercentageError,
                ["epochs"] = history.Epochs.Count,
                ["parameters"] = model.ParameterCount,
                ["cancelled"] = history.Cancelled,
                ["model"] = s.Output,
            };
            if (seasonal is not null)
            {
                report["season"] = f.Settings.Season;
                report["seasonal_naive_rmse"] = seasonal.RootMeanSquaredError;
                report["seasonal_naive_mae"] = seasonal.MeanAbsoluteError;
                report["seasonal_naive_mape"] = seasonal.MeanAbsolutePercentageError;
            }

            console.Out.WriteLine(report.ToJsonString());
            return;
        }

        TextWriter o = console.Out;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test period {period}: {w.TestStarts.Count} forecasts of {f.Settings.Horizon} step(s) of {f.Series.Target}; trained in {trainSeconds:F1} s{(history.Cancelled ? " (stopped early by Ctrl+C)" : "")}."));
        if (ours.MapeValues < w.TestActual.Length)
        {
            o.WriteLine($"  (MAPE leaves out the {w.TestActual.Length - ours.MapeValues} actual values that are 0.)");
        }

        o.WriteLine(Row("model", ours));
        o.WriteLine(Row("naive (last value)", last));
        if (seasonal is not null)
        {
            o.WriteLine(Row($"seasonal naive (season {f.Settings.Season})", seasonal));
        }

        double best = Math.Min(last.RootMeanSquaredError, seasonal?.RootMeanSquaredError ?? double.PositiveInfinity);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The model's RMSE is {Math.Abs(1 - ours.RootMeanSquaredError / best) * 100:F1} % {(ours.RootMeanSquaredError < best ? "below" : "above")} the best baseline's."));
        o.WriteLine($"Saved the model to {s.Output}{(s.Plot is null ? "" : $" and actual against forecast to {s.Plot}")}; forecast after the end of a file with: nabla predict --model {s.Output} --input FILE.csv");
    }

    /// <summary><c>nabla predict</c>: the <c>horizon</c> steps after the end of <paramref name="input"/>, dated when the
    /// series has a date column.</summary>
    public static int Predict(Sequential model, ModelMetadata metadata, string input, CliConsole console)
    {
        ForecastSettings settings = metadata.Forecast!;
        if (!File.Exists(input))
        {
            throw new UsageException($"{input}: file not found.");
        }

        TimeSeries series = TimeSeries.Load(input, new TimeSeriesOptions { Columns = settings.Columns, DateColumn = settings.DateColumn ?? "none" });
        Tensor window;
        try
        {
            window = ForecastWindows.LastWindow(series, settings.Window);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--input {ex.Message}", ex);
        }

        metadata.ScaleInputs(window.Span);
        float[] forecast = Reports.Unstandardize(model.PredictProbabilities(window).Span, metadata);
        IReadOnlyList<string> labels = series.Dates?.Continue(settings.Horizon)
            ?? Enumerable.Range(series.Rows + 1, settings.Horizon).Select(i => $"step {i}").ToArray();
        console.Out.WriteLine($"Forecast of {series.Target} for the {settings.Horizon} step(s) after the end of {input} ({(series.Dates is { } d ? $"{d.Column} {d.Texts[^1]}" : $"step {series.Rows}")}):");
        for (int h = 0; h < settings.Horizon; h++)
        {
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{labels[h]}  {forecast[h]:G6}"));
        }

        return NablaCli.Success;
    }

    private static string Row(string name, ForecastMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"  {name,-28} RMSE {m.RootMeanSquaredError,9:G5}   MAE {m.MeanAbsoluteError,9:G5}   MAPE {m.MeanAbsolutePercentageError,7:F1} %");
}
