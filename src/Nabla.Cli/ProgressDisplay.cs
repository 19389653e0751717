using System.Globalization;
using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>Shows training progress: a Spectre.Console bar with ETA, loss and accuracy on a terminal; one plain line per
/// epoch otherwise (no escape codes in logs).</summary>
internal static class ProgressDisplay
{
    public static TrainingHistory Train(TextWriter? log, bool interactive, Func<IProgress<TrainingProgress>?, TrainingHistory> train)
    {
        if (log is null)
        {
            return train(null);
        }

        if (!interactive)
        {
            return train(new SynchronousProgress(p =>
            {
                // Every epoch for short runs; about 20 lines for long ones (the tutorials' 500 full-batch iterations).
                if (p.CompletedEpoch is { } e && (p.Epochs <= 20 || e.Epoch % (p.Epochs / 20) == 0 || e.Epoch == p.Epochs || e.Epoch == 1))
                {
                    log.WriteLine(FormatEpoch(e, p.Epochs));
                }
            }));
        }

        TrainingHistory? history = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                history = train(new SynchronousProgress(p =>
                {
                    if (task is null || p.Batch == 1 && p.CompletedEpoch is null)
                    {
                        task = context.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.BatchesPerEpoch);
                    }

                    task.Value = p.Batch;
                    task.Description = p.CompletedEpoch is { } e
                        ? Markup.Escape(FormatEpoch(e, p.Epochs))
                        : string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs}  loss {p.RunningLoss:F4}{Accuracy("acc", p.RunningAccuracy)}");
                }));
            });
        return history!;
    }

    /// <summary>"epoch 3/10  loss 0.1234  acc 0.9650  val_loss …": the accuracies only for classifiers (a regression
    /// run's loss is the MSE of the standardized target, and it has no accuracy to show).</summary>
    internal static string FormatEpoch(EpochReport e, int epochs) =>
        FormattableString.Invariant($"epoch {e.Epoch}/{epochs}  loss {e.TrainLoss:F4}{Accuracy("acc", e.TrainAccuracy)}") +
        (e.ValidationLoss is { } vl ? FormattableString.Invariant($"  val_loss {vl:F4}{Accuracy("val_acc", e.ValidationAccuracy ?? double.NaN)}") : "") +
        FormattableString.Invariant($"  {e.Elapsed.TotalSeconds:F1}s");

    private static string Accuracy(string name, double value) => double.IsNaN(value) ? "" : FormattableString.Invariant($"  {name} {value:F4}");

    /// <summary>Reports on the training thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
