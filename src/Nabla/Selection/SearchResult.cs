using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Nabla.Selection;

/// <summary>What a search found: every candidate's cross-validation (with halving, one row per candidate and round),
/// ranked, and the best one (scikit-learn's <c>cv_results_</c>, <c>best_params_</c>, <c>best_score_</c>).</summary>
public sealed class SearchResult
{
    internal SearchResult(IReadOnlyList<CandidateResult> results, string scoring, int folds, FoldKind foldKind, IReadOnlyList<string> parameterNames, bool cancelled)
    {
        (Results, Scoring, Folds, FoldKind, ParameterNames, Cancelled) = (results, scoring, folds, foldKind, parameterNames, cancelled);
        int lastRound = results.Count == 0 ? 0 : results.Max(r => r.Iteration);
        Best = results.Where(r => r.Iteration == lastRound && r.Rank == 1).MinBy(r => r.Candidate.Index);
    }

    /// <summary>Every row, in the order the candidates were made (round by round with halving).</summary>
    public IReadOnlyList<CandidateResult> Results { get; }

    /// <summary>The score's name (greater is better).</summary>
    public string Scoring { get; }

    /// <summary>Folds per candidate.</summary>
    public int Folds { get; }

    /// <summary>How the folds were cut.</summary>
    public FoldKind FoldKind { get; }

    /// <summary>The searched settings, in order (the columns <c>param_…</c>).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Whether the search was stopped before every fit ran (the results hold the finished candidates).</summary>
    public bool Cancelled { get; }

    /// <summary>The best candidate of the last round (rank 1; the first made among ties), or null when none finished.</summary>
    public CandidateResult? Best { get; }

    /// <summary>All rows as CSV with scikit-learn's <c>cv_results_</c> columns: params (JSON), param_NAME …, splitK_test_score …,
    /// mean_test_score, std_test_score, rank_test_score, mean_fit_time, std_fit_time, mean_score_time; then iter and
    /// n_resources (epochs; halving) and Nabla's mean_epochs.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        string[] header = [.. Columns()];
        csv.AppendLine(string.Join(",", header.Select(Quote)));
        foreach (CandidateResult r in Results)
        {
            csv.AppendLine(string.Join(",", Row(r).Select(v => Quote(v switch
            {
                double d => F(d),
                int i => i.ToString(CultureInfo.InvariantCulture),
                JsonNode node => node.ToJsonString(),
                null => "",
                _ => v.ToString() ?? "",
            }))));
        }

        return csv.ToString();
    }

    /// <summary>The same as a JSON object of columns (each a list, one value per row), as <c>cv_results_</c> is a dict
    /// of arrays, with the scoring, the folds and the best candidate.</summary>
    public string ToJson()
    {
        var columns = new JsonObject();
        string[] names = [.. Columns()];
        var rows = Results.Select(r => Row(r).ToArray()).ToArray();
        for (int c = 0; c < names.Length; c++)
        {
            columns[names[c]] = new JsonArray(rows.Select(row => row[c] switch
            {
                double d => double.IsFinite(d) ? (JsonNode)d : null,
                int i => (JsonNode)i,
                string s => (JsonNode)s,
                JsonNode node => node.DeepClone(),
                _ => null,
            }).ToArray());
        }

        return new JsonObject
        {
            ["scoring"] = Scoring,
            ["cv"] = Folds,
            ["fold_kind"] = FoldKind.ToString(),
            ["best_index"] = Best is null ? null : Results.ToList().IndexOf(Best),
            ["best_params"] = Best is null ? null : Params(Best),
            ["best_score"] = Best is { } b && double.IsFinite(b.Mean) ? b.Mean : null,
            ["cancelled"] = Cancelled,
            ["cv_results"] = columns,
        }.ToJsonString();
    }

    private IEnumerable<string> Columns()
    {
        yield return "params";
        foreach (string name in ParameterNames)
        {
            yield return "param_" + name;
        }

        for (int k = 0; k < Folds; k++)
        {
            yield return $"split{k}_test_score";
        }

        foreach (string name in (string[])["mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time", "std_fit_time", "mean_score_time", "iter", "n_resources", "mean_epochs"])
        {
            yield return name;
        }
    }

    private IEnumerable<object?> Row(CandidateResult r)
    {
        yield return Params(r);
        var values = r.Candidate.Parameters.ToDictionary(p => p.Key, p => p.Value);
        foreach (string name in ParameterNames)
        {
            yield return values.GetValueOrDefault(name);
        }

        for (int k = 0; k < Folds; k++)
        {
            yield return k < r.SplitScores.Length ? r.SplitScores[k] : double.NaN;
        }

        yield return r.Mean;
        yield return r.Std;
        yield return r.Rank;
        yield return r.MeanFitSeconds;
        yield return r.StdFitSeconds;
        yield return r.MeanScoreSeconds;
        yield return r.Iteration;
        yield return r.Resource;
        yield return r.Epochs.Average();
    }

    private static JsonObject Params(CandidateResult r)
    {
        var node = new JsonObject();
        foreach (var (name, value) in r.Candidate.Parameters)
        {
            node[name] = value;
        }

        return node;
    }

    private static string F(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Quote(string text) => text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
