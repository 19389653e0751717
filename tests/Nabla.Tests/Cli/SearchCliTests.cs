using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Nabla.Cli;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary><c>nabla search</c> end to end on tiny tables: the ranked table, cv_results_ files, the train command that
/// reproduces the refitted model bit for bit, --json, random search with ranges, successive halving, images, the same
/// scores on one thread and two, Ctrl+C, and bad input refused in one line before any training.</summary>
public sealed partial class SearchCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-search-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    /// <summary>Penguin-like rows: three species that an island and a measurement give away, NA and empty cells.</summary>
    private string Birds(int rows = 120, int rareClassRows = 0)
    {
        var random = new Random(5);
        string[] islands = ["Biscoe", "Dream", "Torgersen"], species = ["Adelie", "Chinstrap", "Gentoo"];
        var text = new StringBuilder("species,island,bill,sex\n");
        for (int i = 0; i < rows; i++)
        {
            int k = i % 3;
            string bill = i % 17 == 4 ? "NA" : (35 + 6 * k + random.NextDouble() * 3).ToString("F1", CultureInfo.InvariantCulture);
            string sex = i % 13 == 2 ? "" : random.Next(2) == 0 ? "male" : "female";
            text.Append(CultureInfo.InvariantCulture, $"{species[k]},{islands[(k + (i % 10 == 0 ? 1 : 0)) % 3]},{bill},{sex}\n");
        }

        for (int i = 0; i < rareClassRows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Emperor,Ross,{60 + i},male\n");
        }

        string path = In($"birds-{rows}-{rareClassRows}.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>price = 3·rooms + 2·(garden) + noise.</summary>
    private string Houses()
    {
        var random = new Random(6);
        var text = new StringBuilder("rooms,garden,price\n");
        for (int i = 0; i < 80; i++)
        {
            int rooms = 1 + random.Next(6);
            bool garden = random.Next(2) == 0;
            text.Append(CultureInfo.InvariantCulture, $"{rooms},{(garden ? "yes" : "no")},{100 + 30 * rooms + (garden ? 20 : 0) + random.Next(5)}\n");
        }

        string path = In("houses.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static (Nabla.Models.Sequential Model, ModelMetadata Metadata) Load(string path) => ModelFile.Load(path);

    [Fact]
    public void A_grid_search_ranks_the_candidates_writes_cv_results_and_refits_the_best_as_the_printed_train_command_does()
    {
        string data = Birds(), best = In("best.nabla"), results = In("results.csv");
        var (code, output, error) = CliRunner.Run("search", "--data", data, "--target", "species", "--epochs", "15", "--grid", "lr=0.05,0.0001 layers=8;8,4",
            "--cv", "3", "--results", results, "--out", best);
        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("Imputing ", StringComparison.Ordinal));
        Assert.Contains($"Searching 4 candidates × 3 folds (stratified) = 12 fits on 96 rows of {data}, scoring accuracy.", lines);

        // the table: a header, then the candidates best first, mean ± std, the fit time and the settings
        int header = Array.FindIndex(lines, l => l.StartsWith("rank", StringComparison.Ordinal));
        Assert.Matches(@"^rank  accuracy \(mean ± std\)  fit time  lr +layers$", lines[header]);
        string[] rows = lines[(header + 1)..(header + 5)];
        Assert.All(rows, r => Assert.Matches(@"^\d  +\d\.\d{4} ± \d\.\d{4}  +\d+\.\d\d s  (0\.05|0\.0001) +(8|8,4)$", r));
        Assert.StartsWith("1 ", rows[0], StringComparison.Ordinal);
        Assert.Contains(" 0.05 ", rows[0], StringComparison.Ordinal); // a learning rate of 1e-4 learns little in 15 epochs
        Assert.Matches(@"^Best of 4 candidates \(searched in \d+\.\d s\): lr=0\.05 layers=8(,4)? — accuracy \d\.\d{4} ± \d\.\d{4} over 3 folds\.$", lines[header + 5]);
        Match command = TrainLine().Match(output);
        Assert.True(command.Success, output);
        Assert.Matches($"^nabla train --data {Regex.Escape(data)} --target species --epochs 15 --lr 0\\.05 --layers 8(,4)? --out {Regex.Escape(best)}$", command.Groups[1].Value);
        Assert.Contains("Refitting it on the whole training part (96 rows) and testing it on the 24 held out.", lines);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Test accuracy \d\.\d{4}, test loss \d\.\d{4} on 24 samples; trained in \d+\.\d s\.$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Test accuracy \d\.\d{4} \(cross-validation: \d\.\d{4} ± \d\.\d{4}\)\.$"));
        Assert.Contains($"Saved the model to {best} and the results to {results}.", lines);

        // every candidate in cv_results_ columns
        string[] csv = File.ReadAllLines(results);
        Assert.Equal("params,param_lr,param_layers,split0_test_score,split1_test_score,split2_test_score,mean_test_score,std_test_score,rank_test_score,mean_fit_time,std_fit_time,mean_score_time,iter,n_resources,mean_epochs", csv[0]);
        Assert.Equal(5, csv.Length);

        // the printed command trains the same weights as the refit
        string again = In("again.nabla");
        string[] args = [.. Words(command.Groups[1].Value).Skip(1).SkipLast(1), again, "--quiet"];
        var train = CliRunner.Run(args);
        Assert.True(train.Code == 0, train.Error);
        var (refit, metadata) = Load(best);
        var (trained, _) = Load(again);
        Assert.Equal(refit.Parameters.Select(p => p.Value), trained.Parameters.Select(p => p.Value));
        Assert.Equal("0.05", metadata.TrainingSettings!.Single(s => s.Key == "lr").Value);
    }

    [Fact]
    public void Json_gives_the_search_the_command_and_the_refit_and_results_json_the_cv_results()
    {
        string results = In("results.json");
        var (code, output, error) = CliRunner.Run("search", "--data", Birds(), "--target", "species", "--epochs", "5", "--grid", "batch-norm=true,false dropout=0,0.2",
            "--cv", "2", "--results", results, "--out", In("b.nabla"), "--json");
        Assert.True(code == 0, error);
        Assert.Contains("Searching 4 candidates", error); // notes and the plan go to standard error
        JsonNode json = JsonNode.Parse(output)!;
        Assert.Equal("accuracy", (string)json["scoring"]!);
        Assert.Equal(2, (int)json["cv"]!);
        Assert.Equal(4, (int)json["candidates"]!);
        Assert.Equal(8, (int)json["fits"]!);
        Assert.False((bool)json["cancelled"]!);
        Assert.InRange((double)json["best_score"]!, 0, 1);
        Assert.InRange((double)json["test_score"]!, 0, 1);
        Assert.Equal((double)json["refit"]!["test_accuracy"]!, Math.Round((double)json["test_score"]!, 4));
        Assert.Equal(24, (int)json["refit"]!["test_samples"]!);
        Assert.Equal(In("b.nabla"), (string)json["model"]!);
        string best = (string)json["best_command"]!;
        JsonObject parameters = json["best_params"]!.AsObject();
        Assert.Equal((string)parameters["batch-norm"]! == "true", best.Contains(" --batch-norm", StringComparison.Ordinal)); // a flag as a flag
        Assert.Equal((string)parameters["dropout"]!, Regex.Match(best, @"--dropout (\S+)").Groups[1].Value);
        Assert.Equal(4, json["cv_results"]!["mean_test_score"]!.AsArray().Count);

        JsonNode file = JsonNode.Parse(File.ReadAllText(results))!;
        Assert.Equal(["params", "param_batch-norm", "param_dropout", "split0_test_score", "split1_test_score", "mean_test_score", "std_test_score", "rank_test_score",
            "mean_fit_time", "std_fit_time", "mean_score_time", "iter", "n_resources", "mean_epochs"], file["cv_results"]!.AsObject().Select(c => c.Key));
        Assert.Equal(json["best_params"]!.ToJsonString(), file["best_params"]!.ToJsonString());
    }

    [Fact]
    public void Random_search_draws_from_ranges_and_scores_regression_in_the_target_units()
    {
        var (code, output, error) = CliRunner.Run("search", "--data", Houses(), "--epochs", "20", "--grid", "lr=1e-3..1e-1:log l2=0.01..1:log layers=8;16",
            "--random", "3", "--cv", "2", "--scoring", "rmse", "--out", In("h.nabla"), "--results", In("h.csv"));
        Assert.True(code == 0, error);
        Assert.Contains("Searching 3 random candidates × 2 folds (k-fold) = 6 fits on 64 rows", output);
        Assert.Matches(@"rank  neg_rmse \(mean ± std\)  fit time  lr +l2 +layers\n", output);
        Assert.Matches(@"\n +1 +-\d+\.\d+ ± \d+\.\d+ +\d+\.\d\d s  0\.0\d+ +0\.\d+ +(8|16)\n", output);
        Assert.Matches(@"Test RMSE [\d.]+, MAE [\d.]+, R² -?\d\.\d{4} on 16 samples", output);
        Assert.Matches(@"Test neg_rmse -[\d.]+ \(cross-validation: -[\d.]+ ± [\d.]+\)\.", output);
        Match command = TrainLine().Match(output);
        Assert.Matches(@"--epochs 20 --lr 0\.0\d+ --l2 0\.\d+ --layers (8|16) --out ", command.Groups[1].Value);
        Assert.Equal(4, File.ReadAllLines(In("h.csv")).Length);
        // the same seed draws the same candidates
        var again = CliRunner.Run("search", "--data", Houses(), "--epochs", "1", "--grid", "lr=1e-3..1e-1:log l2=0.01..1:log layers=8;16", "--random", "3", "--cv", "2",
            "--out", In("h2.nabla"), "--results", In("h2.csv"), "--quiet");
        Assert.Equal(File.ReadAllLines(In("h.csv")).Select(l => Cells(l)[0]), File.ReadAllLines(In("h2.csv")).Select(l => Cells(l)[0]));
        Assert.Equal(0, again.Code);
    }

    [Fact]
    public void Successive_halving_shows_its_rounds_and_ranks_the_last_round_first()
    {
        var (code, output, error) = CliRunner.Run("search", "--data", Birds(), "--target", "species", "--epochs", "9", "--grid", "lr=0.1,0.03,0.01 layers=4;8;16",
            "--halving", "--cv", "2", "--out", In("h.nabla"));
        Assert.True(code == 0, error);
        Assert.Contains("Successive halving of 9 candidates: 9 × 1 epoch, 3 × 3 epochs, 1 × --epochs; × 2 folds (stratified) = at most 26 fits on 96 rows", output);
        string[] lines = output.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("rank", StringComparison.Ordinal));
        Assert.Matches(@"^rank  accuracy \(mean ± std\)  fit time  round  epochs  lr +layers$", lines[header]);
        Assert.Matches(@"^ +1  .* s +3 +9  ", lines[header + 1]);
        Assert.Matches(@"^ +1  .* s +2 +3  ", lines[header + 2]);
        Assert.Equal(13, lines.Skip(header + 1).TakeWhile(l => Regex.IsMatch(l, @"^ *\d")).Count());
        Assert.Contains("Best of 9 candidates", output);
        Assert.Contains("--epochs 9", TrainLine().Match(output).Value);
    }

    [Fact]
    public void Images_are_searched_with_the_train_defaults_of_an_image_folder()
    {
        string data = TestData.WriteSlice(300, 100);
        try
        {
            var (code, output, error) = CliRunner.Run("search", "--data", data, "--grid", "layers=16;32 epochs=auto,1", "--cv", "2", "--out", In("d.nabla"), "--json", "--quiet");
            Assert.True(code == 0, error);
            JsonNode json = JsonNode.Parse(output)!;
            // epochs auto on images is 10, as nabla train reads it, and the command says so
            Assert.Equal(["10", "1", "10", "1"], json["cv_results"]!["param_epochs"]!.AsArray().Select(v => (string)v!));
            Assert.Equal(100, (int)json["refit"]!["test_samples"]!);
            Assert.Equal(300, (int)json["refit"]!["train_samples"]!);
            Assert.StartsWith($"nabla train --data {data} --layers ", (string)json["best_command"]!, StringComparison.Ordinal);

            var table = CliRunner.Run("search", "--data", data, "--grid", "scale=none,standard", "--out", In("e.nabla"));
            Assert.Equal(2, table.Code);
            Assert.Equal($"nabla: error: --grid: scale is a CSV setting, but {data} is an MNIST-layout folder.", table.Error.Trim());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("--grid|lrate=0.1,0.01", "--grid: 'lrate' is not a train option that can be searched (searchable: arch, layers, activation,")]
    [InlineData("--grid|lr=", "--grid: lr has an empty list of values (give lr=a,b).")]
    [InlineData("--grid|lr=0.1 dropout=,", "--grid: dropout has an empty list of values")]
    [InlineData("--grid|lr=0.1,0.01|--cv|5", "--cv 5: the smallest class ('Emperor') has 4 rows in the data searched, and stratified folds need at least one of each class per fold: use --cv 4 or fewer.")]
    [InlineData("--grid|{big}", "--grid makes 10,100 candidates, more than 10,000: try some of them with --random N (e.g. --random 60), or halve the lists.")]
    [InlineData("--grid|lr=0.1|--scoring|r2", "--scoring r2: not a score for a classification target (choose accuracy, balanced_accuracy, f1_macro, f1_weighted, neg_log_loss).")]
    [InlineData("--grid|lr=0.1|--scoring|auc", "--scoring auc: not a score for a classification target")]
    [InlineData("--epochs|3", "give the settings to search: --grid \"lr=0.01,0.001 layers=64;128,64\" (or --grid-file FILE.json).")]
    [InlineData("--grid|lr=1e-4..1e-1:log", "--grid: lr is a range (low..high), which only a random search draws from: add --random N.")]
    [InlineData("--grid|lr=0.1,0.01|--lr|0.1", "--lr is given and also searched (lr=… in the grid): give it in one place.")]
    [InlineData("--grid|epochs=1,2|--halving", "--halving gives each round its epochs")]
    [InlineData("--grid|dropout=0,1.5", "--grid: the candidate dropout=1.5: --dropout must be in [0, 1), got 1.5.")]
    [InlineData("--grid|lr=0.1|--cv|1", "--cv must be at least 2 folds, got 1.")]
    [InlineData("--grid|lr=0.1|--cv-kind|loo", "--cv-kind takes auto, stratified, kfold or expanding, got 'loo'.")]
    [InlineData("--grid|lr=0.1|--random|0", "--random must be at least 1 candidate, got 0.")]
    [InlineData("--grid|lr=0.1|--results|results.txt", "--results results.txt: the results are written as CSV or JSON (name the file .csv or .json).")]
    [InlineData("--grid|layers=4;8|--arch|dense(4) relu", "--grid: layers is searched but --arch is given")]
    [InlineData("--grid|lr=0.1|--grid-file|g.json", "--grid and --grid-file both give the settings to search; give one.")]
    [InlineData("--grid|lr=0.1|--task|forecast", "--task forecast: nabla search cross-validates tables and image folders")]
    [InlineData("--grid|lr=0.1|--window|5", "--window is for --task forecast, which nabla search does not take yet.")]
    [InlineData("--grid|seed=0,1", "--grid: seed also draws the test split and the folds")]
    [InlineData("--grid|arch=\"dense(8) relu\";\"conv2d(4, 3) relu\"", "--grid: the candidate arch=conv2d(4, 3) relu: --arch: conv2d(4, 3) (column 1):")]
    public void Bad_input_is_one_line_and_exit_code_2_before_any_training(string arguments, string message)
    {
        string lr = string.Join(",", Enumerable.Range(1, 101).Select(i => (i * 1e-4).ToString("R", CultureInfo.InvariantCulture)));
        string dropout = string.Join(",", Enumerable.Range(0, 100).Select(i => (i / 200.0).ToString("R", CultureInfo.InvariantCulture)));
        string[] given = arguments.Replace("{big}", $"lr={lr} dropout={dropout}", StringComparison.Ordinal).Split('|');
        string model = In("never.nabla");
        var (code, output, error) = CliRunner.Run(["search", "--data", Birds(rareClassRows: 5), "--target", "species", "--out", model, .. given]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("nabla: error: " + message, error, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
        Assert.DoesNotContain("Searching", output + error, StringComparison.Ordinal); // refused before the first fit
    }

    [Fact]
    public void Grid_files_and_output_paths_are_checked_before_any_training()
    {
        string data = Birds();
        File.WriteAllText(In("grid.json"), """{"lr": [0.05, 0.01], "layers": ["8", "8,4"]}""");
        var ok = CliRunner.Run("search", "--data", data, "--target", "species", "--epochs", "2", "--grid-file", In("grid.json"), "--cv", "2", "--out", In("g.nabla"), "--json");
        Assert.True(ok.Code == 0, ok.Error);
        Assert.Equal(4, (int)JsonNode.Parse(ok.Out)!["candidates"]!);

        File.WriteAllText(In("bad.json"), """{"lr": [0.05], "epoch": [1]}""");
        foreach (var (args, message) in new (string[], string)[]
        {
            (["--grid-file", In("bad.json")], $"--grid-file {In("bad.json")}: 'epoch' is not a train option that can be searched"),
            (["--grid-file", In("none.json")], $"--grid-file {In("none.json")}: no such file."),
            (["--grid", "lr=0.1", "--out", In("no/such/folder/m.nabla")], "--out"),
            (["--grid", "lr=0.1", "--results", In("no/such/folder/r.csv")], "--results"),
        })
        {
            var (code, output, error) = CliRunner.Run(["search", "--data", data, "--target", "species", .. args]);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.StartsWith("nabla: error: " + message, error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public void Ctrl_c_stops_the_search_refits_nothing_and_exits_130()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NablaCli.Run(["search", "--data", Birds(), "--target", "species", "--grid", "lr=0.1,0.01", "--out", In("c.nabla"), "--results", In("c.csv")],
            new CliConsole(output, error, Interactive: false), cancelled.Token);
        Assert.Equal(NablaCli.Interrupted, code);
        Assert.Contains("Stopped by Ctrl+C after ", output.ToString());
        Assert.Contains("no candidate finished its folds; no model was refitted.", output.ToString());
        Assert.False(File.Exists(In("c.nabla")));
        Assert.False(File.Exists(In("c.csv")));
    }

    [Fact]
    public void On_a_terminal_a_live_line_shows_the_fits_candidate_fold_and_time_left()
    {
        var screen = new StringWriter();
        var terminal = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
            Out = new Spectre.Console.AnsiConsoleOutput(screen),
        });
        terminal.Profile.Width = 100;
        var output = new StringWriter();
        int code = NablaCli.Run(["search", "--data", Birds(), "--target", "species", "--epochs", "200", "--batch-size", "4", "--grid", "lr=0.01,0.001", "--cv", "2", "--out", In("t.nabla")],
            new CliConsole(output, new StringWriter(), Interactive: true) { Terminal = terminal });
        Assert.Equal(0, code);
        Assert.Matches(@"fit \d/4  [━─]+  (starting|candidate \d/2 fold \d/2  \d+\.\ds  ETA \d+\.\ds)", screen.ToString());
        Assert.Contains("Best of 2 candidates", output.ToString());

        Assert.Equal($"fit 3/12  {new string('━', 7)}{new string('─', 23)}  candidate 2/4 fold 1/3  4.0s  ETA 6.0s",
            SearchProgressDisplay.Line(new Nabla.Selection.SearchProgress(1, 0, 0, 0.9, 3, 12, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6)), 4, 3, TimeSpan.FromSeconds(4), 80));
        Assert.Equal("fit 3/12 candidate 2/4 fold 1/3  4.0s  ETA 6.0s",
            SearchProgressDisplay.Line(new Nabla.Selection.SearchProgress(1, 0, 0, 0.9, 3, 12, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6)), 4, 3, TimeSpan.FromSeconds(4), 50));
        Assert.Equal($"fit 0/12  {new string('─', 30)}  starting  0.1s", SearchProgressDisplay.Line(null, 4, 3, TimeSpan.FromSeconds(0.1), 80));
    }

    [Fact]
    public void One_thread_and_two_threads_give_the_same_scores()
    {
        string data = Birds();
        string[] Scores(int threads)
        {
            string results = In($"r{threads}.csv");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["NABLA_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
            foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll"), "search", "--data", data, "--target", "species", "--epochs", "auto",
                "--max-epochs", "30", "--val-split", "0.2", "--batch-size", "16", "--grid", "lr=0.05,0.01 dropout=0,0.3", "--cv", "3", "--results", results,
                "--out", In($"m{threads}.nabla"), "--quiet" })
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, errors);
            // every column but the times
            return File.ReadAllLines(results).Select(l => string.Join(",", Cells(l).Where((_, i) => i is not (9 or 10 or 11)))).ToArray();
        }

        string[] one = Scores(1), two = Scores(2);
        Assert.Equal(5, one.Length);
        Assert.Equal(one, two);
        var (a, _) = Load(In("m1.nabla"));
        var (b, _) = Load(In("m2.nabla"));
        Assert.Equal(a.Parameters.Select(p => p.Value), b.Parameters.Select(p => p.Value));
    }

    /// <summary>The cells of a CSV line (quotes as SearchResult writes them).</summary>
    private static List<string> Cells(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
                continue;
            }

            cell.Append(c);
        }

        cells.Add(cell.ToString());
        return cells;
    }

    /// <summary>Splits a command line as a shell would (double quotes group, \ escapes inside them).</summary>
    internal static string[] Words(string line) =>
        WordPattern().Matches(line).Select(m => m.Value.StartsWith('"') ? Regex.Unescape(m.Value[1..^1]) : m.Value).ToArray();

    [GeneratedRegex("To train it again: (nabla train [^\n]+)")]
    private static partial Regex TrainLine();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|\\S+")]
    private static partial Regex WordPattern();
}
