using System.Collections.Concurrent;
using System.Diagnostics;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Threading;
using Nabla.Training;

namespace Nabla.Selection;

/// <summary>
/// Runs candidates × folds: each fit prepares its fold (preprocessing fitted on the fold's training rows, cached per
/// fold and preprocessing), trains a fresh session from the candidate's recipe, and scores the held-out rows. Fits
/// run one after another on all cores, or several at once, each on one thread (a <see cref="ParallelWorkers"/> job
/// whose shares run their kernels inline) — the same numbers either way, since a kernel's result does not depend on
/// the threads it runs on, and every fit's seeds come from its recipe and fold, never from the order of the fits.
/// </summary>
internal sealed class SearchRunner
{
    /// <summary>Fits at once are chosen when a fit's parameters × batch size is at most this (small networks:
    /// their kernels are too short to share across cores well) and the model has no convolution.</summary>
    private const double ParallelCostLimit = 2e7;

    private readonly ISearchData _data;
    private readonly SearchOptions _options;
    private readonly string _scoring;
    private readonly IReadOnlyList<(int[] Train, int[] Test)> _folds;
    private readonly ConcurrentDictionary<(int Fold, PreprocessingOptions Preprocessing, double ValidationSplit, int Seed), Lazy<PreparedFold>> _prepared = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _done, _total;

    private SearchRunner(ISearchData data, SearchOptions options)
    {
        (_data, _options) = (data, options);
        _scoring = Scoring.Resolve(options.Scoring, data.Task);
        FoldKind = options.FoldKind ?? (data.Task == TaskKind.Regression ? FoldKind.KFold : FoldKind.Stratified);
        _folds = CrossValidation.Folds(data, FoldKind, options.Folds, options.Seed);
    }

    private FoldKind FoldKind { get; }

    /// <summary>Cross-validates <paramref name="candidates"/> (made and checked by the caller).</summary>
    public static SearchResult Run(ISearchData data, IReadOnlyList<SearchCandidate> candidates, SearchOptions options, IReadOnlyList<string> parameterNames)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("the search has no candidate.");
        }

        if (options.Halving && options.HalvingFactor < 2)
        {
            throw new ArgumentException($"the halving factor must be at least 2, got {options.HalvingFactor}.");
        }

        if (options.Halving && parameterNames.Contains("epochs"))
        {
            throw new ArgumentException("--halving gives each round its epochs (the resource it halves over): epochs cannot be searched with it.");
        }

        if (data is not TabularSearchData && parameterNames.FirstOrDefault(PreprocessingOptions.SettingNames.Contains) is { } table)
        {
            throw new ArgumentException($"{table} is a CSV setting, but the data is not a table.");
        }

        return new SearchRunner(data, options).Execute(candidates, parameterNames);
    }

    private SearchResult Execute(IReadOnlyList<SearchCandidate> candidates, IReadOnlyList<string> parameterNames)
    {
        // The rounds: without halving one, with the recipe's epochs; with halving, as scikit-learn plans them, the last
        // with the recipe's own epochs.
        int n = candidates.Count;
        int maxEpochs = candidates[0].Recipe.EpochLimit;
        IReadOnlyList<HalvingRound> plan = _options.Halving ? SuccessiveHalving.Plan(n, maxEpochs, _options.HalvingFactor) : [new HalvingRound(n, maxEpochs)];
        int rounds = plan.Count;
        _total = plan.Sum(r => r.Candidates) * _folds.Count;

        var results = new List<CandidateResult>();
        IReadOnlyList<SearchCandidate> current = candidates;
        bool cancelled = false;
        for (int round = 0; round < rounds && current.Count > 0; round++)
        {
            // the last round keeps the recipe's epochs (auto stays auto)
            int epochs = round == rounds - 1 ? 0 : plan[round].Epochs;
            int resource = _options.Halving ? plan[round].Epochs : 0;
            CandidateResult[] roundResults = RunRound(current, round, epochs, resource, out cancelled);
            Rank(roundResults);
            results.AddRange(roundResults.Where(r => r.SplitScores.Length == _folds.Count));
            if (cancelled)
            {
                break;
            }

            int keep = (int)Math.Ceiling(current.Count / (double)_options.HalvingFactor);
            current = roundResults.Where(r => !double.IsNaN(r.Mean)).OrderBy(r => r.Rank).ThenBy(r => r.Candidate.Index).Take(keep).Select(r => r.Candidate).OrderBy(c => c.Index).ToArray();
        }

        return new SearchResult(results, _scoring, _folds.Count, FoldKind, parameterNames, cancelled);
    }

    private CandidateResult[] RunRound(IReadOnlyList<SearchCandidate> candidates, int round, int epochs, int resource, out bool cancelled)
    {
        int folds = _folds.Count;
        var fits = new Fit[candidates.Count * folds];
        for (int c = 0; c < candidates.Count; c++)
        {
            TrainingRecipe recipe = epochs > 0 ? candidates[c].Recipe with { Epochs = epochs } : candidates[c].Recipe;
            for (int f = 0; f < folds; f++)
            {
                fits[c * folds + f] = new Fit(candidates[c], recipe, f, round);
            }
        }

        int threads = Threads(fits);
        var work = new FitQueue(this, fits);
        if (threads <= 1)
        {
            work.Execute(0, 1);
        }
        else
        {
            ParallelWorkers.Shared.Run(work, threads);
        }

        if (work.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        cancelled = fits.Any(f => !f.Finished);
        return candidates.Select((candidate, c) =>
        {
            Fit[] mine = fits[(c * folds)..((c + 1) * folds)];
            if (mine.Any(f => !f.Finished))
            {
                return new CandidateResult(candidate, [], [], [], [], round, resource);
            }

            return new CandidateResult(candidate, mine.Select(f => f.Score).ToArray(), mine.Select(f => f.FitSeconds).ToArray(),
                mine.Select(f => f.ScoreSeconds).ToArray(), mine.Select(f => f.Epochs).ToArray(), round, resource)
            {
                Failure = mine.Select(f => f.Failure).FirstOrDefault(m => m is not null),
            };
        }).ToArray();
    }

    /// <summary>How many fits run at once: as asked, or (auto) one per core when the networks are small.</summary>
    private int Threads(Fit[] fits)
    {
        int cores = ParallelWorkers.Shared.ThreadCount;
        if (_options.Parallelism is { } asked)
        {
            return Math.Clamp(asked, 1, Math.Min(cores, fits.Length));
        }

        if (cores <= 1 || fits.Length <= 1)
        {
            return 1;
        }

        // The cost of a step of each distinct network on the first fold's data.
        foreach (Fit fit in fits.DistinctBy(f => (f.Recipe.Architecture, string.Join(",", f.Recipe.Hidden), f.Recipe.BatchSize)))
        {
            PreparedFold fold = Prepare(fit);
            Dataset train = fold.Train;
            Sequential model = fit.Recipe.CreateModel(train.SampleShape, train.OutputCount, train.Task, fit.Recipe.CreateLoss(train.Task));
            int batch = fit.Recipe.ResolveBatchSize(train.Count);
            double cost = model.ParameterCount * (double)(batch <= 0 ? train.Count : Math.Min(batch, train.Count));
            if (cost > ParallelCostLimit || model.Layers.Any(l => l is Conv2D))
            {
                return 1;
            }
        }

        return Math.Min(cores, fits.Length);
    }

    private PreparedFold Prepare(Fit fit)
    {
        TrainingRecipe recipe = fit.Recipe;
        var key = (fit.Fold, fit.Candidate.Preprocessing, recipe.ValidationSplit, recipe.Seed);
        return _prepared.GetOrAdd(key, k => new Lazy<PreparedFold>(() =>
        {
            var (train, test) = _folds[k.Fold];
            if (k.ValidationSplit <= 0)
            {
                return _data.Prepare(train, [test], k.Preprocessing);
            }

            // the validation rows (for --epochs auto or early stopping on val_loss) come out of the fold's training rows
            int[]? labels = _data.Labels is { } all ? train.Select(r => all[r]).ToArray() : null;
            var (rest, held) = Splits.TrainTest(train.Length, labels, k.ValidationSplit, k.Seed + 1);
            return _data.Prepare(rest.Select(i => train[i]).ToArray(), [test, held.Select(i => train[i]).ToArray()], k.Preprocessing);
        })).Value;
    }

    private void RunFit(Fit fit)
    {
        PreparedFold fold = Prepare(fit);
        Dataset train = fold.Train, test = fold.Others[0];
        Dataset? validation = fold.Others.Count > 1 ? fold.Others[1] : null;
        var watch = Stopwatch.StartNew();
        TrainingSession session = fit.Recipe.CreateSession(train);
        try
        {
            TrainingHistory history = session.Run(train, validation, null, _options.CancellationToken);
            fit.Epochs = history.Epochs.Count;
            if (history.Cancelled)
            {
                return;
            }
        }
        catch (TrainingDivergedException ex)
        {
            (fit.Score, fit.Failure, fit.FitSeconds, fit.Finished) = (double.NaN, ex.Message, watch.Elapsed.TotalSeconds, true);
            Report(fit);
            return;
        }

        fit.FitSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        EvaluationResult result = Evaluator.Evaluate(session.Model, session.Loss, test);
        fit.Score = Scoring.Score(_scoring, test, result, fold.TargetMean, fold.TargetStd);
        fit.ScoreSeconds = watch.Elapsed.TotalSeconds;
        fit.Finished = true;
        Report(fit);
    }

    private void Report(Fit fit)
    {
        int done = Interlocked.Increment(ref _done);
        TimeSpan elapsed = _clock.Elapsed;
        TimeSpan remaining = TimeSpan.FromSeconds(elapsed.TotalSeconds / done * Math.Max(0, _total - done));
        _options.Progress?.Report(new SearchProgress(fit.Candidate.Index, fit.Fold, fit.Round, fit.Score, done, _total, elapsed, remaining));
    }

    /// <summary>Ranks by mean score, best first; ties share the smaller rank; NaN ranks last.</summary>
    private static void Rank(CandidateResult[] results)
    {
        double[] means = results.Select(r => r.SplitScores.Length == 0 ? double.NaN : r.Mean).ToArray();
        for (int i = 0; i < results.Length; i++)
        {
            results[i].Rank = double.IsNaN(means[i]) ? 1 + means.Count(m => !double.IsNaN(m)) : 1 + means.Count(m => !double.IsNaN(m) && m > means[i]);
        }
    }

    /// <summary>One candidate on one fold.</summary>
    private sealed class Fit(SearchCandidate candidate, TrainingRecipe recipe, int fold, int round)
    {
        public SearchCandidate Candidate { get; } = candidate;

        public TrainingRecipe Recipe { get; } = recipe;

        public int Fold { get; } = fold;

        public int Round { get; } = round;

        public double Score { get; set; } = double.NaN;

        public double FitSeconds { get; set; }

        public double ScoreSeconds { get; set; }

        public int Epochs { get; set; }

        public string? Failure { get; set; }

        public bool Finished { get; set; }
    }

    /// <summary>The fits of a round, taken in order by whichever thread is free.</summary>
    private sealed class FitQueue(SearchRunner runner, Fit[] fits) : IParallelWork
    {
        private int _next = -1;

        public Exception? Error { get; private set; }

        public void Execute(int threadIndex, int threadCount)
        {
            int index;
            while (Error is null && !runner._options.CancellationToken.IsCancellationRequested && (index = Interlocked.Increment(ref _next)) < fits.Length)
            {
                try
                {
                    runner.RunFit(fits[index]);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Error ??= ex;
                }
            }
        }
    }
}
