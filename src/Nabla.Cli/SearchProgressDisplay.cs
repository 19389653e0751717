using System.Diagnostics;
using System.Globalization;
using Nabla.Selection;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>
/// Shows a search's progress on a terminal as one live line in the train command's style — fits done of the total, a
/// bar, the candidate and fold last finished, the time so far and the time left at the pace so far — redrawn while
/// fits run and cleared at the end. Piped output shows nothing: the results follow when the search is done.
/// </summary>
internal static class SearchProgressDisplay
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(200);

    public static SearchResult Run(CliConsole console, bool live, int candidates, int folds, Func<IProgress<SearchProgress>?, SearchResult> search)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (!live)
        {
            return search(null);
        }

        IAnsiConsole terminal = console.Terminal ?? AnsiConsole.Console;
        SearchProgress? last = null;
        var clock = Stopwatch.StartNew();
        var gate = new Lock();
        SearchResult? result = null;
        terminal.Live(new Text("")).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).Start(context =>
        {
            // the search runs on another thread so that the line's clock moves while a long fit trains
            Task<SearchResult> running = Task.Run(() => search(new Reports(p =>
            {
                lock (gate)
                {
                    last = p;
                }
            })));
            do
            {
                SearchProgress? now;
                lock (gate)
                {
                    now = last;
                }

                context.UpdateTarget(new Text(Line(now, candidates, folds, clock.Elapsed, Math.Max(20, terminal.Profile.Width) - 3)));
                context.Refresh();
            }
            while (!running.Wait(s_refresh));

            context.UpdateTarget(new Text(""));
            result = running.GetAwaiter().GetResult();
        });
        return result!;
    }

    /// <summary>"fit 14/60 ━━━━━──────── candidate 3/12 fold 2/5  12.3s  ETA 40s", at most <paramref name="width"/>
    /// characters (the bar, then the ETA, go first when it is narrow).</summary>
    public static string Line(SearchProgress? p, int candidates, int folds, TimeSpan elapsed, int width)
    {
        int done = p?.Done ?? 0, total = p?.Total ?? candidates * folds;
        string fits = string.Create(CultureInfo.InvariantCulture, $"fit {done}/{total}");
        string where = p is null ? "starting" : string.Create(CultureInfo.InvariantCulture,
            $"{(p.Iteration > 0 ? $"round {p.Iteration + 1} " : "")}candidate {p.Candidate + 1}/{candidates} fold {p.Fold + 1}/{folds}");
        string time = Seconds(elapsed);
        string eta = p is null ? "" : $"ETA {Seconds(p.Remaining)}";
        string tail = string.Join("  ", new[] { where, time, eta }.Where(t => t.Length > 0));
        int room = width - fits.Length - tail.Length - 4;
        if (room >= 8)
        {
            int bar = Math.Min(30, room);
            int filled = total <= 0 ? 0 : (int)((long)done * bar / total);
            return $"{fits}  {new string('━', filled)}{new string('─', bar - filled)}  {tail}";
        }

        string line = $"{fits} {tail}";
        return line.Length <= width ? line : $"{fits} {where}".Length <= width ? $"{fits} {where}" : fits[..Math.Min(fits.Length, Math.Max(0, width))];
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:F1}s")
        : time.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalMinutes}m{time.Seconds:D2}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}h{time.Minutes:D2}m");

    /// <summary>Reports on the fitting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Reports(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => report(value);
    }
}
