using Nabla.Cli.Commands;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>The forecasting options of <c>nabla train</c>.</summary>
/// <param name="Window">--window: past steps per input.</param>
/// <param name="Horizon">--horizon: steps forecast.</param>
/// <param name="Season">--season: the seasonal naive baseline's season.</param>
/// <param name="Date">--date: the date column, or none.</param>
internal sealed record SequenceOptions(int? Window, int? Horizon, int? Season, string? Date)
{
    /// <summary>Whether any of them was given.</summary>
    public bool Any => Window is not null || Horizon is not null || Season is not null || Date is not null;
}

/// <summary>
/// The one seam between <c>nabla train</c> and the sequence tasks: <c>--task forecast</c> (<see cref="ForecastTask"/>)
/// and <c>--task text</c> (<see cref="TextTask"/>) check their options, prepare their data and report their figures
/// here, so the train command's loop and the tabular and image paths stay as they are.
/// </summary>
internal static class SequenceTasks
{
    /// <summary>Whether <paramref name="task"/> is forecast or text.</summary>
    public static bool IsSequenceTask(string? task) => task is not null && (IsForecast(task) || IsText(task));

    /// <summary>Checks the options that belong to one task only, before any data is read.</summary>
    public static void CheckOptions(TrainCommand.TrainSettings s)
    {
        bool forecast = s.Task is not null && IsForecast(s.Task), text = s.Task is not null && IsText(s.Task);
        if (!forecast && s.Sequence.Any)
        {
            string option = s.Sequence.Window is not null ? "--window" : s.Sequence.Horizon is not null ? "--horizon" : s.Sequence.Season is not null ? "--season" : "--date";
            throw new UsageException($"{option} is for --task forecast (a time series CSV).");
        }

        if (forecast && s.Sequence.Window is null)
        {
            throw new UsageException("--task forecast needs --window N: how many past steps each forecast reads (e.g. --window 24).");
        }

        // Of the CSV options, a forecast reads the target, the columns to drop and the scaling; a text file none.
        string[] used = forecast ? ["--task", "--test-split", "--target", "--drop", "--scale"] : ["--task", "--test-split"];
        if ((forecast || text) && s.TableOptionsGiven.FirstOrDefault(o => !used.Contains(o)) is { } unused)
        {
            throw new UsageException(forecast
                ? $"{unused}: not an option of --task forecast (of the CSV options it takes --target, --drop, --scale and --test-split)."
                : $"{unused}: for CSV files; --task text reads a file of lines (each line a sequence of characters).");
        }

        if ((forecast || text) && s.Data == DataLocator.BuiltIn)
        {
            throw new UsageException($"--task {s.Task} needs --data: a {(forecast ? "CSV file of a time series" : "text file of lines")}.");
        }

        if ((forecast || text) && Directory.Exists(s.Data))
        {
            throw new UsageException($"--task {s.Task}: {s.Data} is a folder; give a {(forecast ? "CSV file of a time series" : "text file of lines")}.");
        }

        if ((forecast || text) && !File.Exists(s.Data))
        {
            throw new UsageException($"--data {s.Data}: no such file.");
        }
    }

    /// <summary>The task's data: split, scaled, described for the model file.</summary>
    public static PreparedData Prepare(TrainCommand.TrainSettings s, TrainingRecipe recipe) => IsForecast(s.Task!)
        ? ForecastTask.Prepare(s, recipe)
        : TextTask.Prepare(s.Data, s.TestSplit ?? 0.2, recipe.ValidationSplit, recipe.Seed);

    /// <summary>What a sequence run adds to the training settings kept in the model file (for nabla report), in
    /// train's option names: the task and, for a forecast, the target, window, horizon, season and test split.</summary>
    public static IEnumerable<KeyValuePair<string, string>> DescribeTask(TrainCommand.TrainSettings s, PreparedData prepared)
    {
        if (prepared.Forecast is { } f)
        {
            yield return new("task", "forecast");
            yield return new("target", f.Series.Target);
            yield return new("window", f.Settings.Window.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new("horizon", f.Settings.Horizon.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new("season", f.Settings.Season.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new("test-split", (s.TestSplit ?? 0.2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (prepared.Text is not null)
        {
            yield return new("task", "text");
            yield return new("test-split", (s.TestSplit ?? 0.2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The task's figures next to its baselines (and its plot).</summary>
    public static void Report(TrainCommand.TrainSettings s, PreparedData prepared, Sequential model, ModelMetadata metadata, EvaluationResult result,
        TrainingHistory history, double trainSeconds, CliConsole console)
    {
        if (prepared.Forecast is { } forecast)
        {
            ForecastTask.Report(s, forecast, model, metadata, result, history, trainSeconds, console);
        }
        else
        {
            TextTask.Report(s, prepared.Text!, prepared.Test, model, history, trainSeconds, console);
        }
    }

    private static bool IsForecast(string task) => task.Equals("forecast", StringComparison.OrdinalIgnoreCase) || task.Equals("forecasting", StringComparison.OrdinalIgnoreCase);

    private static bool IsText(string task) => task.Equals("text", StringComparison.OrdinalIgnoreCase);
}
