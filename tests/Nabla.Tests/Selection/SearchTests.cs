using System.Text.Json.Nodes;
using Nabla.Selection;
using Nabla.Training;

namespace Nabla.Tests.Selection;

/// <summary>GridSearch, RandomSearch and CrossValidation as a library user calls them: results ranked, the best one,
/// cv_results_ as CSV and JSON, ties and failed fits, the same scores whatever runs in parallel, progress and
/// cancellation.</summary>
public sealed class SearchTests
{
    private static readonly TrainingRecipe s_small = new() { Hidden = [8], Epochs = 15, LearningRate = 0.05f, BatchSize = 8 };

    [Fact]
    public void Grid_search_cross_validates_every_candidate_ranks_them_and_names_the_best()
    {
        var data = new TabularSearchData(SelectionData.ThreeClasses());
        SearchResult result = GridSearch.Run(data, ParameterSpace.Parse("lr=0.05,0.00001 layers=8;4"), s_small, options: new SearchOptions { Folds = 3 });
        Assert.Equal("accuracy", result.Scoring);
        Assert.Equal(FoldKind.Stratified, result.FoldKind);
        Assert.Equal(["lr", "layers"], result.ParameterNames);
        Assert.False(result.Cancelled);
        Assert.Equal(4, result.Results.Count);
        Assert.Equal([0, 1, 2, 3], result.Results.Select(r => r.Candidate.Index));
        Assert.All(result.Results, r => Assert.Equal(3, r.SplitScores.Length));
        Assert.All(result.Results, r => Assert.All(r.SplitScores, s => Assert.InRange(s, 0, 1)));
        Assert.All(result.Results, r => Assert.Equal(Math.Sqrt(r.SplitScores.Average(s => (s - r.Mean) * (s - r.Mean))), r.Std, 12));
        Assert.All(result.Results, r => Assert.All(r.Epochs, e => Assert.Equal(15, e)));
        Assert.All(result.Results, r => Assert.True(r.MeanFitSeconds > 0));
        Assert.Equal([1, 2, 3, 4], result.Results.Select(r => r.Rank).Order());

        // rank 1 has the highest mean; a learning rate of 1e-5 learns nothing in 15 epochs
        CandidateResult best = result.Best!;
        Assert.Equal(1, best.Rank);
        Assert.Equal(result.Results.Max(r => r.Mean), best.Mean);
        Assert.Equal("0.05", best.Candidate.Parameters[0].Value);
        Assert.True(best.Mean > 0.8, $"{best.Mean}");
        Assert.Equal(0.05f, best.Candidate.Recipe.LearningRate);
        Assert.Equal(15, best.Candidate.Recipe.Epochs); // the fixed settings carried over
    }

    [Fact]
    public void Cv_results_come_as_csv_and_json_with_scikit_learn_columns()
    {
        var data = new TabularSearchData(SelectionData.ThreeClasses());
        SearchResult result = GridSearch.Run(data, ParameterSpace.Parse("lr=0.05,0.01 layers=8;6,3"), s_small with { Epochs = 3 }, options: new SearchOptions { Folds = 2 });
        string[] lines = result.ToCsv().TrimEnd().Split(Environment.NewLine);
        Assert.Equal("params,param_lr,param_layers,split0_test_score,split1_test_score,mean_test_score,std_test_score,rank_test_score,mean_fit_time,std_fit_time,mean_score_time,iter,n_resources,mean_epochs", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("\"{\"\"lr\"\":\"\"0.05\"\",\"\"layers\"\":\"\"8\"\"}\",0.05,8,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("\"{\"\"lr\"\":\"\"0.05\"\",\"\"layers\"\":\"\"6,3\"\"}\",0.05,\"6,3\",", lines[2], StringComparison.Ordinal);
        string[] cells = lines[1].Split(',')[^11..];
        Assert.Equal(result.Results[0].SplitScores[0], double.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(result.Results[0].Mean, double.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(result.Results[0].Rank.ToString(System.Globalization.CultureInfo.InvariantCulture), cells[4]);
        Assert.Equal(["0", "0", "3"], cells[^3..]);

        JsonNode json = JsonNode.Parse(result.ToJson())!;
        Assert.Equal("accuracy", (string)json["scoring"]!);
        Assert.Equal(2, (int)json["cv"]!);
        Assert.Equal("Stratified", (string)json["fold_kind"]!);
        Assert.False((bool)json["cancelled"]!);
        int bestIndex = (int)json["best_index"]!;
        Assert.Equal(result.Best!.Candidate.Index, bestIndex);
        Assert.Equal(result.Best.Mean, (double)json["best_score"]!);
        Assert.Equal(result.Best.Candidate.Parameters[1].Value, (string)json["best_params"]!["layers"]!);
        JsonObject columns = json["cv_results"]!.AsObject();
        Assert.Equal(lines[0].Split(','), columns.Select(c => c.Key));
        Assert.All(columns, c => Assert.Equal(4, c.Value!.AsArray().Count));
        Assert.Equal("6,3", (string)columns["param_layers"]![1]!);
        Assert.Equal(result.Results.Select(r => r.Rank), columns["rank_test_score"]!.AsArray().Select(v => (int)v!));
    }

    [Fact]
    public void Random_search_draws_from_ranges_and_cross_validation_scores_one_recipe()
    {
        var data = new TabularSearchData(SelectionData.Regression());
        SearchResult result = RandomSearch.Run(data, ParameterSpace.Parse("lr=1e-3..1e-1:log layers=4;8"), 3, s_small with { Epochs = 3 }, options: new SearchOptions { Folds = 3, Seed = 5 });
        Assert.Equal("r2", result.Scoring);
        Assert.Equal(FoldKind.KFold, result.FoldKind);
        Assert.Equal(3, result.Results.Count);
        Assert.All(result.Results, r => Assert.InRange(r.Candidate.Recipe.LearningRate!.Value, 1e-3f, 1e-1f));
        Assert.Equal(result.Results.Select(r => r.Candidate.ToString()),
            RandomSearch.Run(data, ParameterSpace.Parse("lr=1e-3..1e-1:log layers=4;8"), 3, s_small with { Epochs = 1 }, options: new SearchOptions { Folds = 2, Seed = 5 }).Results.Select(r => r.Candidate.ToString()));

        CandidateResult one = CrossValidation.Run(data, s_small with { Epochs = 40 }, options: new SearchOptions { Folds = 4, Scoring = "neg_rmse" });
        Assert.Equal(4, one.SplitScores.Length);
        Assert.All(one.SplitScores, s => Assert.True(s < 0));
        Assert.True(one.Mean > -1.5, $"{one.Mean}"); // y = 3a − 2b spans about 14 units
        Assert.Empty(one.Candidate.Parameters);
    }

    [Fact]
    public void Images_are_searched_as_they_are_and_table_settings_are_refused_for_them()
    {
        var images = new DatasetSearchData(Testing.TestData.Mnist10k.Train.Take(300));
        Assert.Equal(10, images.ClassNames.Count);
        SearchResult result = GridSearch.Run(images, ParameterSpace.Parse("layers=16"), new TrainingRecipe { Epochs = 5, BatchSize = 16 }, options: new SearchOptions { Folds = 3 });
        Assert.True(result.Best!.Mean > 0.6, $"{result.Best.Mean}");
        Assert.Equal("scale is a CSV setting, but the data is not a table.",
            Assert.Throws<ArgumentException>(() => GridSearch.Run(images, ParameterSpace.Parse("scale=none,standard"), new TrainingRecipe())).Message);
    }

    [Fact]
    public void Ties_share_the_smaller_rank_and_a_diverged_candidate_ranks_last_with_its_reason()
    {
        var data = new TabularSearchData(SelectionData.ThreeClasses());
        SearchResult result = GridSearch.Run(data, ParameterSpace.Parse("lr=0.05,1e30,0.05"), s_small with { Optimizer = "sgd", Epochs = 3 }, options: new SearchOptions { Folds = 2 });
        CandidateResult first = result.Results[0], diverged = result.Results[1], again = result.Results[2];
        Assert.Equal(first.SplitScores, again.SplitScores); // the same settings give the same scores
        Assert.Equal((1, 1), (first.Rank, again.Rank));
        Assert.Same(first, result.Best); // the first made among ties
        Assert.True(double.IsNaN(diverged.Mean));
        Assert.Equal(3, diverged.Rank);
        Assert.NotNull(diverged.Failure);
        Assert.Null(first.Failure);
        string row = result.ToCsv().Split(Environment.NewLine)[2];
        Assert.Contains(",,,3,", row, StringComparison.Ordinal); // no split scores, no mean or std, rank 3
    }

    [Fact]
    public void The_scores_are_bit_identical_whether_fits_run_one_at_a_time_or_in_parallel()
    {
        var data = new TabularSearchData(SelectionData.ThreeClasses(rows: 90));
        ParameterSpace space = ParameterSpace.Parse("lr=0.05,0.01 dropout=0,0.3");
        TrainingRecipe recipe = s_small with { Epochs = null, MaxEpochs = 12, ValidationSplit = 0.2, NoImprovementEpochs = 3 };
        SearchResult Search(int? parallelism) => GridSearch.Run(data, space, recipe, options: new SearchOptions { Folds = 3, Parallelism = parallelism, Seed = 4 });

        SearchResult sequential = Search(1), parallel = Search(2), automatic = Search(null);
        foreach (SearchResult other in new[] { parallel, automatic })
        {
            Assert.Equal(sequential.Results.Select(r => r.SplitScores), other.Results.Select(r => r.SplitScores));
            Assert.Equal(sequential.Results.Select(r => r.Epochs), other.Results.Select(r => r.Epochs));
            Assert.Equal(sequential.Results.Select(r => r.Rank), other.Results.Select(r => r.Rank));
        }

        // a candidate's scores do not depend on the other candidates: its seeds are its recipe's and its fold's
        SearchCandidate last = sequential.Results[3].Candidate;
        CandidateResult alone = CrossValidation.Run(data, last.Recipe, options: new SearchOptions { Folds = 3, Seed = 4 });
        Assert.Equal(sequential.Results[3].SplitScores, alone.SplitScores);
    }

    [Fact]
    public void Successive_halving_keeps_the_best_third_and_triples_the_epochs_each_round()
    {
        var data = new TabularSearchData(SelectionData.ThreeClasses(rows: 45));
        var progress = new List<SearchProgress>();
        var options = new SearchOptions { Folds = 2, Halving = true, Parallelism = 1, Progress = new Reports(progress) };
        SearchResult result = GridSearch.Run(data, ParameterSpace.Parse("lr=0.1,0.03,0.01 l2=0,0.001,0.01"), s_small with { Epochs = 9, Hidden = [4] }, options: options);

        // scikit-learn's plan for 9 candidates and factor 3: 9, 3 and 1 candidates on 1, 3 and 9 epochs
        CandidateResult[][] rounds = [.. result.Results.GroupBy(r => r.Iteration).OrderBy(g => g.Key).Select(g => g.ToArray())];
        Assert.Equal([9, 3, 1], rounds.Select(r => r.Length));
        Assert.Equal([1, 3, 9], rounds.Select(r => r[0].Resource));
        for (int i = 0; i < 3; i++)
        {
            Assert.All(rounds[i], r => Assert.Equal(new[] { rounds[i][0].Resource, rounds[i][0].Resource }, r.Epochs));
        }

        // the survivors of each round are its best ranked (ties: the first made)
        for (int i = 0; i < 2; i++)
        {
            int keep = rounds[i + 1].Length;
            Assert.Equal(rounds[i].OrderBy(r => r.Rank).ThenBy(r => r.Candidate.Index).Take(keep).Select(r => r.Candidate.Index).Order(),
                rounds[i + 1].Select(r => r.Candidate.Index));
        }

        Assert.Same(rounds[2][0], result.Best);
        string[] csv = result.ToCsv().TrimEnd().Split(Environment.NewLine);
        Assert.Equal(14, csv.Length);
        Assert.EndsWith(",2,9,9", csv[^1], StringComparison.Ordinal); // iter, n_resources, mean_epochs

        // one report per fit, counting up to the plan's total
        Assert.Equal(26, progress.Count);
        Assert.All(progress, p => Assert.Equal(26, p.Total));
        Assert.Equal(Enumerable.Range(1, 26), progress.Select(p => p.Done));
        Assert.Equal([18, 6, 2], progress.GroupBy(p => p.Iteration).Select(g => g.Count()));

        TrainingRecipe recipe = s_small with { Epochs = 9 };
        Assert.Equal("--halving gives each round its epochs (the resource it halves over): epochs cannot be searched with it.",
            Assert.Throws<ArgumentException>(() => GridSearch.Run(data, ParameterSpace.Parse("epochs=3,9"), recipe, options: options)).Message);
        Assert.Equal("the halving factor must be at least 2, got 1.",
            Assert.Throws<ArgumentException>(() => GridSearch.Run(data, ParameterSpace.Parse("lr=0.1,0.2"), recipe, options: options with { HalvingFactor = 1 })).Message);
    }

    [Fact]
    public void The_halving_plan_is_scikit_learns_with_epochs_as_the_resource()
    {
        Assert.Equal([new(9, 1), new(3, 3), new HalvingRound(1, 9)], SuccessiveHalving.Plan(9, 9, 3));
        Assert.Equal([new(27, 1), new(9, 3), new(3, 9), new HalvingRound(1, 27)], SuccessiveHalving.Plan(27, 27, 3));
        // epochs auto (at most 200): 10 candidates make 3 rounds, the last with the recipe's own limit
        Assert.Equal([new(10, 22), new(4, 66), new HalvingRound(2, 200)], SuccessiveHalving.Plan(10, 200, 3));
        // few epochs limit the rounds: 5 epochs divide by 3 once
        Assert.Equal([new(100, 1), new HalvingRound(34, 5)], SuccessiveHalving.Plan(100, 5, 3));
        Assert.Equal([new(8, 1), new(4, 2), new(2, 5), new HalvingRound(1, 10)], SuccessiveHalving.Plan(8, 10, 2));
        Assert.Equal([new HalvingRound(1, 10)], SuccessiveHalving.Plan(1, 10, 3));
        Assert.Throws<ArgumentException>(() => SuccessiveHalving.Plan(9, 9, 1));
    }

    [Fact]
    public void A_cancelled_search_keeps_the_candidates_whose_folds_all_finished()
    {
        var data = new TabularSearchData(SelectionData.ThreeClasses());
        using var cancellation = new CancellationTokenSource();
        int fits = 0;
        var options = new SearchOptions
        {
            Folds = 3, Parallelism = 1, CancellationToken = cancellation.Token,
            Progress = new Reports(_ =>
            {
                if (++fits == 4)
                {
                    cancellation.Cancel();
                }
            }),
        };
        SearchResult result = GridSearch.Run(data, ParameterSpace.Parse("lr=0.05,0.01,0.02"), s_small with { Epochs = 2 }, options: options);
        Assert.True(result.Cancelled);
        Assert.Equal(4, fits);
        Assert.Equal([0], result.Results.Select(r => r.Candidate.Index)); // candidate 1 has one fold of three
        Assert.Same(result.Results[0], result.Best);
        Assert.True((bool)JsonNode.Parse(result.ToJson())!["cancelled"]!);
    }

    /// <summary>Progress reported on the fitting thread, in order.</summary>
    private sealed class Reports(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public Reports(List<SearchProgress> list)
            : this(p =>
            {
                lock (list)
                {
                    list.Add(p);
                }
            })
        {
        }

        public void Report(SearchProgress value) => report(value);
    }
}
