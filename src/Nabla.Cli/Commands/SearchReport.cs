using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Selection;

namespace Nabla.Cli.Commands;

/// <summary>What <c>nabla search</c> prints: the plan, the ranked table (mean ± std of the score, fit time, rank), the
/// best candidate, the <c>nabla train</c> command that reproduces it, and the --json object.</summary>
internal static class SearchReport
{
    /// <summary>Rows of the ranked table shown; --results keeps them all.</summary>
    public const int TableRows = 20;

    /// <summary>"Searching 8 candidates × 5 folds (stratified) = 40 fits on 266 rows of D, scoring accuracy."</summary>
    public static string Header(int candidates, bool random, int folds, FoldKind kind, string scoring, IReadOnlyList<HalvingRound> plan, int rows, string data, bool halving)
    {
        string foldText = kind switch { FoldKind.Stratified => "stratified", FoldKind.KFold => "k-fold", _ => "expanding windows" };
        string what = $"{candidates} {(random ? "random " : "")}candidate{(candidates == 1 ? "" : "s")}";
        int fits = plan.Sum(p => p.Candidates) * folds;
        if (!halving)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Searching {what} × {folds} folds ({foldText}) = {fits} fits on {rows} rows of {data}, scoring {scoring}.");
        }

        string rounds = string.Join(", ", plan.Select((p, i) => $"{p.Candidates} × {(i == plan.Count - 1 ? "--epochs" : $"{p.Epochs} epoch{(p.Epochs == 1 ? "" : "s")}")}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"Successive halving of {what}: {rounds}; × {folds} folds ({foldText}) = at most {fits} fits on {rows} rows of {data}, scoring {scoring}.");
    }

    /// <summary>The ranked table: best first (with halving, the last round first), at most <see cref="TableRows"/> rows.</summary>
    public static IReadOnlyList<string> Table(SearchResult result, bool halving, string? resultsFile)
    {
        if (result.Results.Count == 0)
        {
            return [];
        }

        CandidateResult[] rows = [.. result.Results.OrderByDescending(r => r.Iteration).ThenBy(r => r.Rank).ThenBy(r => r.Candidate.Index)];
        var header = new List<string> { "rank", $"{result.Scoring} (mean ± std)", "fit time" };
        if (halving)
        {
            header.AddRange(["round", "epochs"]);
        }

        header.AddRange(result.ParameterNames);
        var cells = rows.Take(TableRows).Select(r =>
        {
            var values = r.Candidate.Parameters.ToDictionary(p => p.Key, p => p.Value);
            var row = new List<string>
            {
                r.Rank.ToString(CultureInfo.InvariantCulture),
                double.IsNaN(r.Mean) ? "diverged" : Format(r.Mean, r.Std),
                string.Create(CultureInfo.InvariantCulture, $"{r.MeanFitSeconds:F2} s"),
            };
            if (halving)
            {
                row.AddRange([(r.Iteration + 1).ToString(CultureInfo.InvariantCulture), r.Resource.ToString(CultureInfo.InvariantCulture)]);
            }

            row.AddRange(result.ParameterNames.Select(n => values.GetValueOrDefault(n, "")));
            return row;
        }).ToList();
        int[] widths = [.. header.Select((h, c) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(row => row[c].Length)))];
        // numbers are right-aligned (rank, score, time, round, epochs), settings left-aligned
        int numeric = halving ? 5 : 3;
        string Line(IReadOnlyList<string> row) => string.Join("  ", row.Select((v, c) => c < numeric ? v.PadLeft(widths[c]) : v.PadRight(widths[c]))).TrimEnd();
        var lines = new List<string> { Line(header) };
        lines.AddRange(cells.Select(Line));
        if (rows.Length > TableRows)
        {
            lines.Add($"… and {rows.Length - TableRows} more{(resultsFile is null ? " (--results FILE.csv keeps them all)" : $" in {resultsFile}")}.");
        }

        return lines;
    }

    /// <summary>"Best (rank 1 of 8, in 12.3 s): lr=0.01 layers=64 — accuracy 0.9887 ± 0.0092 over 5 folds."</summary>
    public static string Best(CandidateResult best, SearchResult result, double seconds)
    {
        int candidates = result.Results.Select(r => r.Candidate.Index).Distinct().Count();
        return string.Create(CultureInfo.InvariantCulture,
            $"Best of {candidates} candidate{(candidates == 1 ? "" : "s")} (searched in {seconds:F1} s): {best.Candidate} — {result.Scoring} {Format(best.Mean, best.Std)} over {result.Folds} folds.");
    }

    /// <summary>
    /// The <c>nabla train</c> command that trains <paramref name="candidate"/> as the refit does: the train options given
    /// on the search's command line as they were written, then the searched settings (flags as flags, automatic values
    /// left out), then <c>--out</c>.
    /// </summary>
    public static string TrainCommand(TrainOptionSet set, ParseResult parse, SearchCandidate candidate, string output)
    {
        var words = new List<string> { NablaCli.CommandName, "train" };
        foreach (Option option in set.All)
        {
            if (parse.GetResult(option) is { Implicit: false } given)
            {
                words.Add(option.Name);
                words.AddRange(given.Tokens.Select(t => Shell(t.Value)));
            }
        }

        var values = candidate.Parameters.ToDictionary(p => p.Key, p => p.Value.Trim());
        bool architecture = values.TryGetValue("arch", out string? arch) && arch is not ("" or "none");
        foreach (var (name, value) in values)
        {
            if (name == "layers" && architecture)
            {
                continue; // --arch replaces the dense layers, and train refuses both
            }

            if (name is "batch-norm" or "early-stopping" or "missing-indicator")
            {
                if (value.ToLowerInvariant() is "true" or "1" or "yes" or "on")
                {
                    words.Add("--" + name);
                }

                continue;
            }

            bool automatic = name switch
            {
                "lr" or "loss" => value is "" or "auto",
                "arch" or "augment" => value is "" or "none",
                "clip-norm" or "clip-value" => value == "none",
                _ => false,
            };
            if (!automatic)
            {
                words.AddRange(["--" + name, Shell(value)]);
            }
        }

        words.AddRange(["--out", Shell(output)]);
        return string.Join(" ", words);
    }

    /// <summary>The --json object: the search (scikit-learn's names), the command, and the refit's figures.</summary>
    public static JsonObject Json(SearchResult result, double seconds, string? command, JsonObject? refit, double? testScore, string? model)
    {
        var json = JsonNode.Parse(result.ToJson())!.AsObject();
        CandidateResult? best = result.Best is { } b && !double.IsNaN(b.Mean) ? b : null;
        var report = new JsonObject
        {
            ["scoring"] = result.Scoring,
            ["cv"] = result.Folds,
            ["fold_kind"] = json["fold_kind"]?.DeepClone(),
            ["candidates"] = result.Results.Select(r => r.Candidate.Index).Distinct().Count(),
            ["fits"] = result.Results.Sum(r => r.SplitScores.Length),
            ["search_seconds"] = Math.Round(seconds, 3),
            ["cancelled"] = result.Cancelled,
            ["best_params"] = best is null ? null : json["best_params"]?.DeepClone(),
            ["best_score"] = best?.Mean,
            ["best_std"] = best?.Std,
            ["best_index"] = best is null ? null : json["best_index"]?.DeepClone(),
            ["best_command"] = command,
            ["test_score"] = testScore is { } t && double.IsFinite(t) ? t : null,
            ["model"] = model,
            ["refit"] = refit,
            ["cv_results"] = json["cv_results"]?.DeepClone(),
        };
        return report;
    }

    /// <summary>A score with 4 decimals, or fewer when it is large (errors in the target's units).</summary>
    public static string Format(double value) => Scaled(value, value);

    /// <summary>"0.9887 ± 0.0092": the mean and the standard deviation with the mean's decimals.</summary>
    public static string Format(double mean, double std) => $"{Scaled(mean, mean)} ± {Scaled(std, mean)}";

    /// <summary><paramref name="value"/> with as many decimals as <paramref name="scale"/> gets: 4, 2 from 10, none from 1,000.</summary>
    private static string Scaled(double value, double scale) => double.IsNaN(value) ? "nan"
        : value.ToString(Math.Abs(scale) >= 1000 ? "F0" : Math.Abs(scale) >= 10 ? "F2" : "F4", CultureInfo.InvariantCulture);

    /// <summary>A word as a POSIX shell reads it back: plain, or in double quotes (with \ " $ ` escaped).</summary>
    public static string Shell(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_@%+=:,./-".Contains(c)))
        {
            return word;
        }

        var quoted = new StringBuilder("\"");
        foreach (char c in word)
        {
            if (c is '\\' or '"' or '$' or '`')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }
}
