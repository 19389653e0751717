using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.IO;
using Nabla.Selection;
using Nabla.Training;

namespace Nabla.Cli.Commands;

/// <summary>
/// <c>nabla search</c>: grid or random search with cross-validation over any of <c>nabla train</c>'s settings
/// (scikit-learn's GridSearchCV, RandomizedSearchCV and HalvingGridSearchCV): the candidates ranked by their mean
/// score over the folds, every result as <c>cv_results_</c> columns, the best settings as the <c>nabla train</c> command
/// that reproduces them, and the best candidate refitted on the whole training part, tested on the held-out part and
/// saved. Every setting, grid, fold count and output path is checked before any training.
/// </summary>
internal static class SearchCommand
{
    public static Command Create(CliConsole console, CancellationToken cancellationToken)
    {
        var set = new TrainOptionSet();
        var grid = new Option<string?>("--grid") { Description = "The settings to search: name=value1,value2 … separated by spaces, e.g. \"lr=0.01,0.001 layers=64;128,64 dropout=0,0.2\" (any train option without its dashes; ; separates values that hold commas — layers, arch, augment; quote values with spaces: arch=\"conv2d(8, 3) relu\";\"dense(64) relu\"; with --random, ranges low..high or low..high:log)." };
        var gridFile = new Option<string?>("--grid-file") { Description = "The settings to search as a JSON file: {\"lr\": [0.01, 0.001], \"layers\": [\"64\", \"128,64\"]}, or a list of such grids (scikit-learn's param_grid); a range as a string \"1e-4..1e-1:log\"." };
        var random = new Option<int?>("--random") { Description = "Try N candidates drawn from the grid instead of all of them: ranges low..high uniformly, low..high:log log-uniformly, lists uniformly (seeded by --seed)." };
        var cv = new Option<int>("--cv") { Description = "Folds of cross-validation over the training part.", DefaultValueFactory = _ => 5 };
        var cvKind = new Option<string>("--cv-kind") { Description = "auto (stratified for classes, k-fold for regression), stratified, kfold, or expanding (rows in file order; each fold trains on the rows before those it is tested on, for data ordered in time).", DefaultValueFactory = _ => "auto" };
        var scoring = new Option<string?>("--scoring") { Description = "What ranks the candidates, greater is better: " + string.Join(", ", Scoring.ClassificationNames) + " (classes); " + string.Join(", ", Scoring.RegressionNames) + " (regression). Default: accuracy or r2." };
        var halving = new Option<bool>("--halving") { Description = "Successive halving: every candidate for a few epochs, the best third for three times as many, and so on; the last round trains with --epochs." };
        var factor = new Option<int>("--halving-factor") { Description = "--halving keeps 1/factor of the candidates each round and gives them factor times the epochs.", DefaultValueFactory = _ => 3 };
        var jobs = new Option<int?>("--jobs") { Description = "Fits at once (default: one per core for small networks, one at a time on all cores for large ones); the scores are the same either way." };
        var output = new Option<string>("--out") { Description = "Where to save the best candidate, refitted on the whole training part.", DefaultValueFactory = _ => "best.nabla" };
        var results = new Option<string?>("--results") { Description = "Write every candidate's cross-validation (scikit-learn's cv_results_ columns) to this .csv or .json file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results on standard output." };
        var quiet = new Option<bool>("--quiet") { Description = "No notes or progress output." };

        var command = new Command("search", "Search training settings by cross-validation (grid, random or successive halving), refit the best on the training data, test and save it.");
        foreach (Option option in set.All.Concat([grid, gridFile, random, cv, cvKind, scoring, halving, factor, jobs, output, results, json, quiet]))
        {
            command.Add(option);
        }

        command.SetAction(parse =>
        {
            var request = new SearchRequest(set, parse)
            {
                Grid = parse.GetValue(grid), GridFile = parse.GetValue(gridFile), Random = parse.GetValue(random), Folds = parse.GetValue(cv),
                FoldKind = parse.GetValue(cvKind)!, Scoring = parse.GetValue(scoring), Halving = parse.GetValue(halving), HalvingFactor = parse.GetValue(factor),
                Jobs = parse.GetValue(jobs), Output = parse.GetValue(output)!, Results = parse.GetValue(results), Json = parse.GetValue(json), Quiet = parse.GetValue(quiet),
            };
            return Run(request, console, cancellationToken);
        });
        return command;
    }

    /// <summary>What the command line asks for.</summary>
    private sealed record SearchRequest(TrainOptionSet Set, ParseResult Parse)
    {
        public string? Grid { get; init; }

        public string? GridFile { get; init; }

        public int? Random { get; init; }

        public int Folds { get; init; }

        public required string FoldKind { get; init; }

        public string? Scoring { get; init; }

        public bool Halving { get; init; }

        public int HalvingFactor { get; init; }

        public int? Jobs { get; init; }

        public required string Output { get; init; }

        public string? Results { get; init; }

        public bool Json { get; init; }

        public bool Quiet { get; init; }
    }

    private static int Run(SearchRequest r, CliConsole console, CancellationToken cancellationToken)
    {
        // Everything is checked before any training: the fixed settings, the grid, the folds, the outputs, the data.
        TrainOptionSet set = r.Set;
        ParseResult parse = r.Parse;
        TrainingRecipe recipe = set.CreateRecipe(parse);
        TableSettings table = set.CreateTableSettings(parse);
        Usage(recipe.Validate);
        string data = DataLocator.Resolve(parse.GetValue(set.Data));
        bool images = DataLocator.IsImageFolder(data);
        if (images && set.GivenTableOption(parse) is { } tableOption)
        {
            throw new UsageException($"{tableOption}: for CSV files only; {DataLocator.Describe(data)} is an MNIST-layout folder.");
        }

        if (SequenceTasks.IsSequenceTask(table.Task))
        {
            throw new UsageException($"--task {table.Task}: nabla search cross-validates tables and image folders, not yet forecasts or text models; compare settings with nabla train and nabla compare.");
        }

        if (set.SequenceOnly.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } sequenceOption)
        {
            throw new UsageException($"{sequenceOption.Name} is for --task forecast, which nabla search does not take yet.");
        }

        if (recipe.Augment is not null && !images)
        {
            throw new UsageException($"--augment: distorts images, but {data} is a CSV file (rows of features); use an MNIST-layout folder of images.");
        }

        if (table.Task is not null)
        {
            Tabular.ParseTask(table.Task);
        }

        ParameterSpace space = ReadSpace(r.Grid, r.GridFile);
        string[] names = space.Grids.SelectMany(g => g.Select(p => p.Name)).Distinct().ToArray();
        CheckSearched(names, set, parse, images);
        CheckSearch(r, space, names);
        FoldKind? foldKind = ParseFoldKind(r.FoldKind);
        CliFiles.CheckWritable(r.Output, "--out");
        if (r.Results is not null)
        {
            string extension = Path.GetExtension(r.Results).ToLowerInvariant();
            if (extension is not (".csv" or ".json"))
            {
                throw new UsageException($"--results {r.Results}: the results are written as CSV or JSON (name the file .csv or .json).");
            }

            CliFiles.CheckWritable(r.Results, "--results");
        }

        double testSplit = parse.GetResult(set.TestSplit) is { Implicit: false } ? parse.GetValue(set.TestSplit) : 0.2;
        LoadedData loaded = DataPreparation.Load(data, table, testSplit, recipe.Seed);
        recipe = set.ForData(recipe, parse, loaded);
        if (images)
        {
            // as nabla train reads them on an image folder: epochs auto is 10 epochs, batch size auto is 64
            space = ForImages(space);
        }

        ISearchData searchData = images ? new DatasetSearchData(loaded.ImageTrain!) : new TabularSearchData(loaded.Table!, loaded.TrainRows);
        IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> points = r.Random is { } count ? space.Sample(count, recipe.Seed) : space.Enumerate().ToArray();
        SearchCandidate[] candidates = Usage(() => points.Select((p, i) => SearchCandidate.Create(i, p, recipe, table.Preprocessing)).ToArray(), "--grid: ");
        CheckModels(candidates, loaded);
        string scoring = Usage(() => Scoring.Resolve(r.Scoring, loaded.Task));
        FoldKind kind = foldKind ?? (loaded.Task == TaskKind.Regression ? FoldKind.KFold : FoldKind.Stratified);
        Usage(() => CrossValidation.Folds(searchData, kind, r.Folds, recipe.Seed));
        IReadOnlyList<HalvingRound> plan = r.Halving
            ? SuccessiveHalving.Plan(candidates.Length, candidates[0].Recipe.EpochLimit, r.HalvingFactor)
            : [new HalvingRound(candidates.Length, recipe.EpochLimit)];

        TextWriter log = r.Json ? console.Error : console.Out;
        if (!r.Quiet)
        {
            foreach (string note in loaded.Notes)
            {
                log.WriteLine(note);
            }

            log.WriteLine(SearchReport.Header(candidates.Length, r.Random is not null, r.Folds, kind, scoring, plan, searchData.Count, DataLocator.Describe(data), r.Halving));
        }

        var options = new SearchOptions
        {
            Folds = r.Folds, FoldKind = kind, Scoring = scoring, Seed = recipe.Seed, Parallelism = r.Jobs, Halving = r.Halving, HalvingFactor = r.HalvingFactor,
            CancellationToken = cancellationToken,
        };
        var watch = Stopwatch.StartNew();
        SearchResult result = SearchProgressDisplay.Run(console, console.Interactive && !r.Json && !r.Quiet, candidates.Length, r.Folds, progress =>
        {
            SearchOptions withProgress = options with { Progress = progress };
            return r.Random is { } n
                ? RandomSearch.Run(searchData, space, n, recipe, table.Preprocessing, withProgress)
                : GridSearch.Run(searchData, space, recipe, table.Preprocessing, withProgress);
        });
        double searchSeconds = watch.Elapsed.TotalSeconds;
        if (r.Results is not null && result.Results.Count > 0)
        {
            AtomicFile.WriteAllText(r.Results, r.Results.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? result.ToJson() : result.ToCsv());
        }

        string? command = result.Best is { } found && !double.IsNaN(found.Mean) ? SearchReport.TrainCommand(set, parse, found.Candidate, r.Output) : null;
        if (!r.Json)
        {
            foreach (string line in SearchReport.Table(result, r.Halving, r.Results))
            {
                console.Out.WriteLine(line);
            }
        }

        if (result.Cancelled || command is null)
        {
            string why = result.Cancelled
                ? $"Stopped by Ctrl+C after {searchSeconds:F1} s: {(result.Results.Count == 0 ? "no candidate finished its folds" : $"the results hold the {result.Results.Count} candidates whose folds all finished")}"
                : $"Every candidate's training diverged ({result.Results.Select(c => c.Failure).FirstOrDefault(f => f is not null)})";
            why += $"{(r.Results is not null && result.Results.Count > 0 ? $" (written to {r.Results})" : "")}; no model was refitted.";
            if (r.Json)
            {
                console.Out.WriteLine(SearchReport.Json(result, searchSeconds, null, null, null, null).ToJsonString());
            }

            (r.Json ? console.Error : console.Out).WriteLine(why);
            return result.Cancelled ? NablaCli.Interrupted : NablaCli.Failure;
        }

        CandidateResult best = result.Best!;
        if (!r.Json)
        {
            console.Out.WriteLine(SearchReport.Best(best, result, searchSeconds));
            console.Out.WriteLine($"To train it again: {command}");
        }

        // The refit: nabla train's own run with the best settings, on the whole training part.
        if (!r.Quiet)
        {
            log.WriteLine(loaded.TestsOnTraining
                ? $"Refitting it on all {searchData.Count} rows (--test-split 0: it is tested on them too)."
                : $"Refitting it on the whole training part ({searchData.Count} {(images ? "images" : "rows")}) and testing it on the {(images ? loaded.ImageTest!.Count : loaded.TestRows.Length)} held out.");
        }

        TableSettings bestTable = table with { Preprocessing = best.Candidate.Preprocessing };
        TrainingRecipe bestRecipe = best.Candidate.Recipe;
        PreparedData prepared = DataPreparation.Prepare(loaded, bestTable.Preprocessing, bestRecipe.ValidationSplit, bestRecipe.Seed);
        bool live = console.Interactive && !r.Json;
        TrainedModel refit = ModelTraining.Run(prepared, bestRecipe, data, r.Output,
            loss => [new("data", data), .. bestRecipe.Describe(loss), .. (images ? [] : bestTable.Describe())],
            r.Quiet ? null : log, r.Quiet || !live ? null : log, console, live, cancellationToken, notesSaid: loaded.Notes);
        double testScore = Scoring.Score(scoring, refit.Prepared.Test, refit.Result, refit.Metadata.TargetMean, refit.Metadata.TargetStd);
        if (r.Json)
        {
            JsonObject figures = TrainCommand.Figures(refit);
            console.Out.WriteLine(SearchReport.Json(result, searchSeconds, command, figures, testScore, r.Output).ToJsonString());
        }
        else
        {
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{TrainCommand.TestFigures(refit)} on {refit.Prepared.Test.Count} samples; trained in {refit.TrainSeconds:F1} s{(refit.History.Cancelled ? " (stopped early by Ctrl+C)" : "")}{TrainCommand.Stopping(refit.Recipe, refit.History)}."));
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Test {scoring} {SearchReport.Format(testScore)} (cross-validation: {SearchReport.Format(best.Mean, best.Std)})."));
            console.Out.WriteLine($"Saved the model to {r.Output}{(r.Results is null ? "" : $" and the results to {r.Results}")}.");
        }

        return refit.History.Cancelled ? NablaCli.Interrupted : NablaCli.Success;
    }

    /// <summary>The grid from --grid text or a --grid-file (exactly one).</summary>
    private static ParameterSpace ReadSpace(string? grid, string? gridFile)
    {
        if ((grid is null) == (gridFile is null))
        {
            throw new UsageException(grid is null
                ? "give the settings to search: --grid \"lr=0.01,0.001 layers=64;128,64\" (or --grid-file FILE.json)."
                : "--grid and --grid-file both give the settings to search; give one.");
        }

        if (gridFile is not null)
        {
            if (!File.Exists(gridFile))
            {
                throw new UsageException($"--grid-file {gridFile}: no such file.");
            }

            if (new FileInfo(gridFile).Length > 1 << 20)
            {
                throw new UsageException($"--grid-file {gridFile}: more than 1 MB; a grid is a short JSON object.");
            }

            return Usage(() => ParameterSpace.ParseJson(File.ReadAllText(gridFile)), $"--grid-file {gridFile}: ");
        }

        return Usage(() => ParameterSpace.Parse(grid!), "--grid: ");
    }

    /// <summary>A searched setting may not also be given as an option, and must make sense for the data.</summary>
    private static void CheckSearched(string[] names, TrainOptionSet set, ParseResult parse, bool images)
    {
        foreach (string name in names)
        {
            Option? option = set.All.FirstOrDefault(o => o.Name == "--" + name);
            if (option is not null && parse.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"--{name} is given and also searched ({name}=… in the grid): give it in one place.");
            }

            if (images && PreprocessingOptions.SettingNames.Contains(name))
            {
                throw new UsageException($"--grid: {name} is a CSV setting, but {DataLocator.Describe(DataLocator.Resolve(parse.GetValue(set.Data)))} is an MNIST-layout folder.");
            }
        }

        if (names.Contains("seed"))
        {
            throw new UsageException("--grid: seed also draws the test split and the folds, so candidates with other seeds would be scored on other rows: run the search once per --seed instead.");
        }

        if (names.Contains("layers") && parse.GetResult(set.Arch) is { Implicit: false })
        {
            throw new UsageException("--grid: layers is searched but --arch is given, and --arch replaces the dense layers: search arch=… instead, or drop --arch.");
        }

        if (names.Contains("arch") && parse.GetResult(set.Layers) is { Implicit: false })
        {
            throw new UsageException("--grid: arch is searched but --layers is given: search the dense layers as arch values (\"dense(64) relu\") or as layers=…, not both.");
        }
    }

    /// <summary>Every distinct layer stack builds on the data's inputs (a convolution needs images), before any training.</summary>
    private static void CheckModels(SearchCandidate[] candidates, LoadedData loaded)
    {
        foreach (SearchCandidate candidate in candidates.Where(c => c.Recipe.Architecture is not null).DistinctBy(c => (c.Recipe.Architecture, c.Preprocessing)))
        {
            Nabla.Tensors.Shape inputs = loaded.IsImage
                ? loaded.ImageTrain!.SampleShape
                : new Nabla.Tensors.Shape(TabularPreprocessor.Fit(loaded.Table!, loaded.TrainRows, candidate.Preprocessing).OutputWidth);
            TrainingRecipe recipe = candidate.Recipe;
            Usage(() => recipe.CreateModel(inputs, loaded.IsImage ? loaded.ImageTrain!.OutputCount : 1, loaded.Task, recipe.CreateLoss(loaded.Task)),
                candidate.Parameters.Count == 0 ? "" : $"--grid: the candidate {candidate}: ");
        }
    }

    /// <summary>The search options that need no data: candidate counts, folds, halving, parallelism.</summary>
    private static void CheckSearch(SearchRequest r, ParameterSpace space, string[] names)
    {
        if (r.Random is { } count)
        {
            if (count < 1)
            {
                throw new UsageException($"--random must be at least 1 candidate, got {count}.");
            }
        }
        else if (space.HasRanges)
        {
            string range = space.Grids.SelectMany(g => g).First(p => p.Range is not null).Name;
            throw new UsageException($"--grid: {range} is a range (low..high), which only a random search draws from: add --random N.");
        }
        else if (space.GridSize > ParameterSpace.MaxGridCandidates)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--grid makes {space.GridSize:N0} candidates, more than {ParameterSpace.MaxGridCandidates:N0}: try some of them with --random N (e.g. --random 60), or halve the lists."));
        }

        if (r.Folds < 2)
        {
            throw new UsageException($"--cv must be at least 2 folds, got {r.Folds}.");
        }

        if (r.Halving && r.HalvingFactor < 2)
        {
            throw new UsageException($"--halving-factor must be at least 2, got {r.HalvingFactor}.");
        }

        if (r.Halving && names.Contains("epochs"))
        {
            throw new UsageException("--halving gives each round its epochs (the resource it halves over): epochs cannot be searched with it; set the last round's with --epochs.");
        }

        if (r.Jobs is < 1)
        {
            throw new UsageException($"--jobs must be at least 1, got {r.Jobs}.");
        }
    }

    private static FoldKind? ParseFoldKind(string text) => text.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) switch
    {
        "auto" => null,
        "stratified" or "stratifiedkfold" => FoldKind.Stratified,
        "kfold" => FoldKind.KFold,
        "expanding" or "expandingwindow" or "timeseries" => FoldKind.ExpandingWindow,
        _ => throw new UsageException($"--cv-kind takes auto, stratified, kfold or expanding, got '{text}'."),
    };

    /// <summary>The space with <c>auto</c> read as <c>nabla train</c> reads it on an image folder.</summary>
    private static ParameterSpace ForImages(ParameterSpace space) => new(space.Grids.Select(g => (IReadOnlyList<SearchParameter>)g.Select(p =>
        p.Name is "epochs" or "batch-size" && p.Range is null
            ? p with
            {
                Values = p.Values.Select(v => v.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
                    ? (p.Name == "epochs" ? DataPreparation.ImageEpochs : DataPreparation.ImageBatchSize).ToString(CultureInfo.InvariantCulture)
                    : v).ToArray(),
            }
            : p).ToArray()).ToArray());

    private static void Usage(Action check) => Usage(() =>
    {
        check();
        return 0;
    });

    private static T Usage<T>(Func<T> make, string prefix = "")
    {
        try
        {
            return make();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(prefix + ex.Message, ex);
        }
    }
}
