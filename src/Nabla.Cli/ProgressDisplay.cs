using System.Diagnostics;
using System.Globalization;
using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>
/// Shows training progress. On a terminal: one live line per epoch in progress (<see cref="ProgressLine.Running"/>:
/// a bar, batches done/total, ETA, time per step, running loss and accuracy), replaced when the epoch ends by its
/// finished line, all fitted to the terminal's width. Otherwise (a pipe, a log file): one plain line per finished epoch
/// with no escape codes — every epoch for runs of up to 20 epochs; for longer runs the first, every
/// (epochs / 20)-th and always the last one trained (also when early stopping or Ctrl+C ends the run sooner).
/// Ctrl+C is reported once, as one line, when training has stopped.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Epochs up to which a plain log prints every epoch.</summary>
    public const int EveryEpochUpTo = 20;

    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(50);

    public static TrainingHistory Train(TextWriter? log, CliConsole console, bool interactive, Func<IProgress<TrainingProgress>?, TrainingHistory> train)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (log is null)
        {
            return train(null);
        }

        return interactive ? Live(console.Terminal ?? AnsiConsole.Console, train) : Plain(log, train);
    }

    private static TrainingHistory Plain(TextWriter log, Func<IProgress<TrainingProgress>?, TrainingHistory> train)
    {
        TrainingProgress last = default;
        int printed = 0;
        TrainingHistory history = train(new SynchronousProgress(p =>
        {
            last = p;
            if (p.CompletedEpoch is { } e && (p.Epochs <= EveryEpochUpTo || e.Epoch % (p.Epochs / EveryEpochUpTo) == 0 || e.Epoch == p.Epochs || e.Epoch == 1))
            {
                log.WriteLine(ProgressLine.Finished(e, p.Epochs, p.BatchesPerEpoch, int.MaxValue)[0]);
                printed = e.Epoch;
            }
        }));
        if (history.Epochs.Count > 0 && history.Epochs[^1].Epoch != printed)
        {
            log.WriteLine(ProgressLine.Finished(history.Epochs[^1], last.Epochs, last.BatchesPerEpoch, int.MaxValue)[0]);
        }

        if (history.Cancelled)
        {
            log.WriteLine(Stopped(last));
        }

        return history;
    }

    private static TrainingHistory Live(IAnsiConsole terminal, Func<IProgress<TrainingProgress>?, TrainingHistory> train)
    {
        TrainingHistory? history = null;
        TrainingProgress last = default;
        var epochClock = new Stopwatch();
        var refresh = Stopwatch.StartNew();
        terminal.Live(new Text("")).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).Start(context =>
        {
            history = train(new SynchronousProgress(p =>
            {
                last = p;
                int width = Math.Max(20, terminal.Profile.Width);
                if (p.CompletedEpoch is { } e)
                {
                    context.UpdateTarget(new Text(""));
                    foreach (string line in ProgressLine.Finished(e, p.Epochs, p.BatchesPerEpoch, width))
                    {
                        terminal.Write(new Text(line + "\n"));
                    }

                    epochClock.Reset();
                    return;
                }

                if (p.Batch == 1 || !epochClock.IsRunning)
                {
                    epochClock.Restart();
                }

                if (refresh.Elapsed >= s_refresh || p.Batch == p.BatchesPerEpoch)
                {
                    // Three columns stay free: the terminal echoes ^C where the cursor is, and a line that wrapped
                    // would not be cleared.
                    context.UpdateTarget(new Text(ProgressLine.Running(p, epochClock.Elapsed, width - 3)));
                    refresh.Restart();
                }
            }));
            context.UpdateTarget(new Text(""));
        });

        if (history!.Cancelled)
        {
            terminal.Write(new Text(Stopped(last) + "\n"));
        }

        return history;
    }

    /// <summary>The one line Ctrl+C earns: where training stopped.</summary>
    private static string Stopped(TrainingProgress last) => string.Create(CultureInfo.InvariantCulture,
        $"Stopped by Ctrl+C at epoch {last.Epoch}/{last.Epochs}, batch {last.Batch}/{last.BatchesPerEpoch}; saving what was trained.");

    /// <summary>Reports on the training thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
