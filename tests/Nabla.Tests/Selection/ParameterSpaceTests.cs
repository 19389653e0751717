using System.Globalization;
using Nabla.Data.Preprocessing;
using Nabla.Selection;
using Nabla.Training;

namespace Nabla.Tests.Selection;

/// <summary>--grid text and JSON grids: parsing (quotes, ;-lists, ranges), expansion order, sampling, and the
/// refusals that come before any training (unknown names, empty lists, more than 10,000 candidates).</summary>
public sealed class ParameterSpaceTests
{
    private static string[] Point(IReadOnlyList<KeyValuePair<string, string>> point) => point.Select(p => $"{p.Key}={p.Value}").ToArray();

    [Fact]
    public void The_issue_grid_parses_into_three_settings_and_eight_candidates_the_last_varying_fastest()
    {
        ParameterSpace space = ParameterSpace.Parse("lr=0.01,0.001 layers=64;128,64 dropout=0,0.2");
        IReadOnlyList<SearchParameter> grid = Assert.Single(space.Grids);
        Assert.Equal(["lr", "layers", "dropout"], grid.Select(p => p.Name));
        Assert.Equal(["0.01", "0.001"], grid[0].Values);
        Assert.Equal(["64", "128,64"], grid[1].Values);
        Assert.Equal(["0", "0.2"], grid[2].Values);
        Assert.False(space.HasRanges);
        Assert.Equal(8, space.GridSize);

        var points = space.Enumerate().Select(Point).ToArray();
        Assert.Equal(8, points.Length);
        Assert.Equal(["lr=0.01", "layers=64", "dropout=0"], points[0]);
        Assert.Equal(["lr=0.01", "layers=64", "dropout=0.2"], points[1]);
        Assert.Equal(["lr=0.01", "layers=128,64", "dropout=0"], points[2]);
        Assert.Equal(["lr=0.001", "layers=128,64", "dropout=0.2"], points[7]);
        Assert.Equal(8, points.Select(p => string.Join(" ", p)).Distinct().Count());
    }

    [Fact]
    public void Quotes_keep_spaces_commas_and_semicolons_and_parentheses_keep_commas()
    {
        ParameterSpace space = ParameterSpace.Parse("arch=\"conv2d(8, 3) relu flatten\";\"dense(16) relu\" --activation=\"tanh\" augment=shift=1,rotate=5;none");
        IReadOnlyList<SearchParameter> grid = space.Grids[0];
        Assert.Equal(["conv2d(8, 3) relu flatten", "dense(16) relu"], grid[0].Values);
        Assert.Equal("activation", grid[1].Name); // the dashes of an option name are dropped
        Assert.Equal(["tanh"], grid[1].Values);
        Assert.Equal(["shift=1,rotate=5", "none"], grid[2].Values); // a list setting's values are separated by ; only
        // a quoted value with a separator inside, and an unquoted one whose commas are inside parentheses
        Assert.Equal(["a b", "c;d"], ParameterSpace.Parse("monitor=\"a b\",\"c;d\"").Grids[0][0].Values);
        Assert.Equal(["dense(4, initializer=zeros)"], ParameterSpace.Parse("arch=dense(4, initializer=zeros)").Grids[0][0].Values);

        // the text form reads back as the same space
        ParameterSpace again = ParameterSpace.Parse(space.ToString());
        Assert.Equal(space.Enumerate().Select(p => string.Join("|", Point(p))), again.Enumerate().Select(p => string.Join("|", Point(p))));
    }

    [Theory]
    [InlineData("lrate=0.1", "'lrate' is not a train option that can be searched (searchable: arch, layers,")]
    [InlineData("data=a.csv", "'data' is not a train option that can be searched")]
    [InlineData("lr=", "lr has an empty list of values (give lr=a,b).")]
    [InlineData("lr=,", "lr has an empty list of values")]
    [InlineData("layers=;", "layers has an empty list of values")]
    [InlineData("lr=0.1 lr=0.2", "lr is given twice in one grid.")]
    [InlineData("lr", "'lr' is not name=value1,value2 (e.g. lr=0.01,0.001).")]
    [InlineData("arch=conv2d(8, 3) relu", "'relu' is not name=value1,value2")]
    [InlineData("arch=\"dense(8) relu", "has an unclosed double quote.")]
    [InlineData("", "the grid names no setting to search")]
    [InlineData("lr=0.1,1e-4..1e-2", "lr: a range (low..high) stands alone, not in a list of values.")]
    [InlineData("lr=1e-4..x", "lr=1e-4..x: '1e-4..x' is not a range low..high (or low..high:log) of numbers.")]
    [InlineData("lr=0.1..0.01", "lr=0.1..0.01: a range needs finite ends with low < high, got 0.1..0.01.")]
    [InlineData("l2=0..1:log", "l2=0..1:log: a :log range needs ends above 0, got 0..1.")]
    public void Bad_grids_are_refused_with_one_line_naming_the_setting(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ParameterSpace.Parse(text));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Every_train_setting_and_every_table_setting_can_be_searched()
    {
        Assert.Equal([.. TrainingRecipe.SettingNames, .. PreprocessingOptions.SettingNames], ParameterSpace.SearchableNames);
        foreach (string name in ParameterSpace.SearchableNames)
        {
            Assert.Equal(name, ParameterSpace.Parse($"{name}=x").Grids[0][0].Name);
        }
    }

    [Fact]
    public void Json_grids_take_numbers_strings_flags_ranges_and_lists_of_grids()
    {
        ParameterSpace space = ParameterSpace.ParseJson("""
            [{"lr": [0.01, 0.001], "layers": ["64", "128,64"], "batch-norm": [true, false]},
             {"--optimizer": "sgd", "lr": "1e-3..1e-1:log"}]
            """);
        Assert.Equal(2, space.Grids.Count);
        Assert.Equal(["0.01", "0.001"], space.Grids[0][0].Values);
        Assert.Equal(["true", "false"], space.Grids[0][2].Values);
        Assert.Equal(["sgd"], space.Grids[1][0].Values);
        Assert.Equal(new ParameterRange(1e-3, 1e-1, logarithmic: true, integer: false), space.Grids[1][1].Range);
        Assert.True(space.HasRanges);
        Assert.Equal(8, space.GridSize); // a range counts for nothing in a grid

        Assert.Equal(3, ParameterSpace.ParseJson("""{"lr": [1, 2, 3]}""").GridSize);
        Assert.StartsWith("not JSON", Assert.Throws<ArgumentException>(() => ParameterSpace.ParseJson("{lr: 1")).Message, StringComparison.Ordinal);
        Assert.Contains("'epoch' is not a train option", Assert.Throws<ArgumentException>(() => ParameterSpace.ParseJson("""{"epoch": [1]}""")).Message, StringComparison.Ordinal);
        Assert.Contains("lr has an empty list of values", Assert.Throws<ArgumentException>(() => ParameterSpace.ParseJson("""{"lr": []}""")).Message, StringComparison.Ordinal);
        Assert.Contains("a grid is an object of setting → values, not a JSON number", Assert.Throws<ArgumentException>(() => ParameterSpace.ParseJson("[1]")).Message, StringComparison.Ordinal);
        Assert.Contains("lr: a value is a JSON object", Assert.Throws<ArgumentException>(() => ParameterSpace.ParseJson("""{"lr": [{}]}""")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_ten_thousand_candidates_are_refused_before_any_training_and_can_be_sampled()
    {
        // 101 learning rates × 100 dropouts = 10,100 candidates
        string lr = string.Join(",", Enumerable.Range(1, 101).Select(i => (i * 1e-4).ToString("R", CultureInfo.InvariantCulture)));
        string dropout = string.Join(",", Enumerable.Range(0, 100).Select(i => (i / 200.0).ToString("R", CultureInfo.InvariantCulture)));
        ParameterSpace space = ParameterSpace.Parse($"lr={lr} dropout={dropout}");
        Assert.Equal(10_100, space.GridSize);
        var data = new SelectionData.Untouchable(new TabularSearchData(SelectionData.ThreeClasses()));
        var error = Assert.Throws<ArgumentException>(() => GridSearch.Run(data, space, new TrainingRecipe()));
        Assert.Equal("the grid makes 10,100 candidates, more than 10,000: sample some with --random N (or RandomSearch).", error.Message);

        // a random search draws distinct points from it, the same ones for the same seed
        var drawn = space.Sample(20, seed: 7).Select(p => string.Join(" ", Point(p))).ToArray();
        Assert.Equal(20, drawn.Distinct().Count());
        Assert.Equal(drawn, space.Sample(20, seed: 7).Select(p => string.Join(" ", Point(p))));
        Assert.NotEqual(drawn, space.Sample(20, seed: 8).Select(p => string.Join(" ", Point(p))));

        // sizes saturate instead of overflowing
        string many = string.Join(",", Enumerable.Range(0, 1000));
        Assert.Equal(long.MaxValue, ParameterSpace.Parse(string.Join(" ", ParameterSpace.SearchableNames.Except(ParameterSpace.ListSettings).Take(8).Select(n => $"{n}={many}"))).GridSize);
    }

    [Fact]
    public void A_range_is_for_random_search_only()
    {
        ParameterSpace space = ParameterSpace.Parse("lr=1e-4..1e-1:log layers=16;32");
        Assert.True(space.HasRanges);
        var data = new SelectionData.Untouchable(new TabularSearchData(SelectionData.ThreeClasses()));
        Assert.Equal("a range (low..high) can only be drawn from: add --random N.", Assert.Throws<ArgumentException>(() => GridSearch.Run(data, space, new TrainingRecipe())).Message);
        Assert.Throws<InvalidOperationException>(() => space.Enumerate().ToArray());
        Assert.Equal("--random must be at least 1 candidate, got 0.", Assert.Throws<ArgumentException>(() => RandomSearch.Run(data, space, 0, new TrainingRecipe())).Message);
    }

    [Fact]
    public void Log_uniform_draws_stay_in_range_and_split_evenly_around_the_geometric_mean()
    {
        ParameterSpace space = ParameterSpace.Parse("lr=1e-4..1e-1:log dropout=0..0.5 epochs=2..5");
        var points = space.Sample(2000, seed: 3);
        double[] lr = points.Select(p => double.Parse(p[0].Value, CultureInfo.InvariantCulture)).ToArray();
        double[] dropout = points.Select(p => double.Parse(p[1].Value, CultureInfo.InvariantCulture)).ToArray();
        int[] epochs = points.Select(p => int.Parse(p[2].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.All(lr, v => Assert.InRange(v, 1e-4, 1e-1));
        // log-uniform: each decade gets a third of the draws, and half fall below √(1e-4 · 1e-1)
        Assert.InRange(lr.Count(v => v < Math.Sqrt(1e-5)) / 2000.0, 0.46, 0.54);
        Assert.InRange(lr.Count(v => v < 1e-3) / 2000.0, 0.30, 0.37);
        // uniform: half below the middle
        Assert.All(dropout, v => Assert.InRange(v, 0, 0.5));
        Assert.InRange(dropout.Count(v => v < 0.25) / 2000.0, 0.46, 0.54);
        // whole numbers at both ends draw whole numbers, every one of them about equally often
        Assert.Equal([2, 3, 4, 5], epochs.Distinct().Order());
        Assert.All(epochs.GroupBy(e => e), g => Assert.InRange(g.Count(), 440, 560));
        // four significant digits, as option text
        Assert.All(points, p => Assert.Equal(p[0].Value, double.Parse(p[0].Value, CultureInfo.InvariantCulture).ToString("G4", CultureInfo.InvariantCulture)));
        Assert.Equal(points.Select(p => p[0].Value), space.Sample(2000, seed: 3).Select(p => p[0].Value));
    }

    [Fact]
    public void A_candidate_takes_each_value_as_nabla_train_would_and_names_a_value_it_refuses()
    {
        SearchCandidate candidate = SearchCandidate.Create(0, [new("lr", "0.05"), new("layers", "32,16"), new("batch-norm", "true"), new("epochs", "auto"), new("scale", "minmax")],
            new TrainingRecipe { Dropout = 0.1f }, new PreprocessingOptions());
        Assert.Equal(0.05f, candidate.Recipe.LearningRate);
        Assert.Equal([32, 16], candidate.Recipe.Hidden);
        Assert.True(candidate.Recipe.BatchNorm);
        Assert.Null(candidate.Recipe.Epochs);
        Assert.Equal(0.1f, candidate.Recipe.Dropout); // not searched: the fixed setting
        Assert.Equal(Nabla.Data.ScalingKind.MinMax, candidate.Preprocessing.Scaling);
        Assert.Equal("lr=0.05 layers=32,16 batch-norm=true epochs=auto scale=minmax", candidate.ToString());

        Assert.Equal("lr=abc: --lr takes a number, got 'abc'.",
            Assert.Throws<ArgumentException>(() => SearchCandidate.Create(0, [new("lr", "abc")], new TrainingRecipe(), new PreprocessingOptions())).Message);
        Assert.Equal("the candidate dropout=1.5: --dropout must be in [0, 1), got 1.5.",
            Assert.Throws<ArgumentException>(() => SearchCandidate.Create(0, [new("dropout", "1.5")], new TrainingRecipe(), new PreprocessingOptions())).Message);

        // a value no candidate can take stops the whole search before any training
        var data = new SelectionData.Untouchable(new TabularSearchData(SelectionData.ThreeClasses()));
        var error = Assert.Throws<ArgumentException>(() => GridSearch.Run(data, ParameterSpace.Parse("lr=0.1 activation=relu,softplus"), new TrainingRecipe()));
        Assert.StartsWith("the candidate lr=0.1 activation=softplus: --activation", error.Message, StringComparison.Ordinal);
    }
}
