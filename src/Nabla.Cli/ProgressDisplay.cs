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
                        : string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs}  loss {p.RunningLoss:F4}  acc {p.RunningAccuracy:F4}");
                }));
            });
        return history!;
    }

    private static string FormatEpoch(EpochReport e, int epochs) =>
        FormattableString.Invariant($"epoch {e.Epoch}/{epochs}  loss {e.TrainLoss:F4}  acc {e.TrainAccuracy:F4}") +
        (e.ValidationLoss is { } vl ? FormattableString.Invariant($"  val_loss {vl:F4}  val_acc {e.ValidationAccuracy:F4}") : "") +
        FormattableString.Invariant($"  {e.Elapsed.TotalSeconds:F1}s");

    /// <summary>Reports on the training thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
