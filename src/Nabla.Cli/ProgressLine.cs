using System.Globalization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// Training progress as Keras prints it — epoch, batches done of the total, time per step, the metrics — made to fit a
/// given width instead of being cut: <c>epoch 3/10  157/157  1.2s 8ms/step  loss 0.2311  acc 0.9312  val_loss …</c>.
/// When a line is too wide it first loses its double spaces, then a decimal of every metric, then the epoch's total
/// time (the running line also its bar and ETA); a finished epoch that still does not fit continues on a second,
/// indented line. Nothing is ever replaced by an ellipsis.
/// </summary>
internal static class ProgressLine
{
    private const int MaxBar = 30;
    private const int MinBar = 8;

    /// <summary>The lines (one, or two when very narrow) for a finished epoch.</summary>
    public static IReadOnlyList<string> Finished(EpochReport e, int epochs, int batches, int width)
    {
        string epoch = string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch}/{epochs}");
        string done = string.Create(CultureInfo.InvariantCulture, $"{batches}/{batches}");
        string step = StepTime(e.Elapsed, batches);
        foreach (var (separator, decimals, withTotal) in Variants())
        {
            var parts = new List<string> { epoch, done, withTotal ? $"{Seconds(e.Elapsed)} {step}" : step };
            parts.AddRange(Metrics(e.TrainLoss, e.TrainAccuracy, e.ValidationLoss, e.ValidationAccuracy, decimals));
            string line = string.Join(separator, parts);
            if (line.Length <= width)
            {
                return [line];
            }
        }

        // Two lines: epoch, steps and time; then the metrics, indented (and, if need be, one per line).
        var metrics = Metrics(e.TrainLoss, e.TrainAccuracy, e.ValidationLoss, e.ValidationAccuracy, 3);
        string rest = "  " + string.Join(" ", metrics);
        string head = $"{epoch} {done} {step}";
        return rest.Length <= width ? [head, rest] : [head, .. metrics.Select(m => "  " + m)];
    }

    /// <summary>The line for an epoch in progress: the epoch, a bar when there is room, batches done/total, ETA, time per
    /// step and the running metrics, at most <paramref name="width"/> characters.</summary>
    public static string Running(TrainingProgress p, TimeSpan elapsed, int width)
    {
        string step = StepTime(elapsed, p.Batch);
        TimeSpan eta = p.Batch > 0 ? elapsed / p.Batch * (p.BatchesPerEpoch - p.Batch) : TimeSpan.Zero;
        string epoch = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs}");
        string batches = string.Create(CultureInfo.InvariantCulture, $"{p.Batch}/{p.BatchesPerEpoch}");
        string line = epoch;
        foreach (var (separator, decimals, withEta) in Variants())
        {
            var tail = new List<string> { batches };
            if (withEta)
            {
                tail.Add($"ETA {Seconds(eta)}");
            }

            tail.Add(step);
            tail.AddRange(Metrics(p.RunningLoss, p.RunningAccuracy, null, null, decimals));
            string rest = string.Join(separator, tail);
            int room = width - epoch.Length - rest.Length - 2 * separator.Length;
            if (room >= MinBar)
            {
                return epoch + separator + Bar(p.Batch, p.BatchesPerEpoch, Math.Min(MaxBar, room)) + separator + rest;
            }

            line = epoch + " " + rest;
            if (line.Length <= width)
            {
                return line;
            }
        }

        return line.Length <= width ? line : line[..Math.Max(0, width)];
    }

    /// <summary>The ways to write a line, widest first: separator, decimals, whether to show the total time (or ETA).</summary>
    private static IEnumerable<(string Separator, int Decimals, bool WithTotal)> Variants()
    {
        yield return ("  ", 4, true);
        yield return (" ", 4, true);
        yield return (" ", 3, true);
        yield return (" ", 3, false);
        yield return (" ", -3, false);
    }

    /// <summary>The metrics with <paramref name="decimals"/> decimals; a negative count also shortens the
    /// validation names (vloss, vacc), the last step before a line is split.</summary>
    private static List<string> Metrics(double loss, double accuracy, double? validationLoss, double? validationAccuracy, int decimals)
    {
        bool shortNames = decimals < 0;
        string format = "F" + Math.Abs(decimals).ToString(CultureInfo.InvariantCulture);
        var parts = new List<string> { "loss " + loss.ToString(format, CultureInfo.InvariantCulture) };
        if (!double.IsNaN(accuracy))
        {
            parts.Add("acc " + accuracy.ToString(format, CultureInfo.InvariantCulture));
        }

        if (validationLoss is { } vl)
        {
            parts.Add((shortNames ? "vloss " : "val_loss ") + vl.ToString(format, CultureInfo.InvariantCulture));
        }

        if (validationAccuracy is { } va && !double.IsNaN(va))
        {
            parts.Add((shortNames ? "vacc " : "val_acc ") + va.ToString(format, CultureInfo.InvariantCulture));
        }

        return parts;
    }

    /// <summary>Keras's time per step: 583us/step, 8ms/step, 1.2s/step.</summary>
    public static string StepTime(TimeSpan elapsed, int steps)
    {
        double seconds = elapsed.TotalSeconds / Math.Max(1, steps);
        return seconds < 1e-3 ? string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:F0}us/step")
            : seconds < 1 ? string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:F0}ms/step")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds:F1}s/step");
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:F1}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalMinutes}m{time.Seconds:D2}s");

    private static string Bar(int done, int total, int width)
    {
        int filled = total <= 0 ? width : (int)((long)done * width / total);
        return new string('━', filled) + new string('─', width - filled);
    }
}
