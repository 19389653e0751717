using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The commands made for models that predict samples (serve, predict's many inputs and table options,
/// evaluate with or without --data) on a forecasting and a language model: each refuses in one line, exit 2, saying
/// what does work for that model; predict on one series CSV forecasts.</summary>
public sealed class SequenceModelCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-sequence-commands-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>An untrained GRU forecaster of sales (and the covariate price) 2 steps ahead from windows of 6.</summary>
    private string Forecaster()
    {
        var model = new Sequential(6, 2).Add(new Gru(4)).Add(new Dense(2));
        model.Initialize(seed: 4);
        string path = PathOf("forecast.nabla");
        ModelFile.Save(path, model, new ModelMetadata([], 1f, "mse")
        {
            Task = TaskKind.Regression,
            TargetName = "sales",
            TargetMean = 20,
            TargetStd = 5,
            Scaler = new Scaler(ScalingKind.Standard, new float[12], Enumerable.Repeat(0.5f, 12).ToArray()),
            Forecast = new ForecastSettings(6, 2, 3, ["sales", "price"], "date"),
        });
        return path;
    }

    /// <summary>An untrained character model over "\n", a, b, c.</summary>
    private string LanguageModel()
    {
        var model = new Sequential(5).Add(new Embedding(4, 3)).Add(new Lstm(4, returnSequences: true)).Add(new Dense(4));
        model.Initialize(seed: 5);
        model.OutputTransform = OutputTransform.Softmax;
        string path = PathOf("text.nabla");
        ModelFile.Save(path, model, new ModelMetadata(["\n", "a", "b", "c"], 1f, "sparse-cross-entropy") { Task = TaskKind.Text });
        return path;
    }

    private string Series(string name)
    {
        var text = new StringBuilder("date,sales,price\n");
        for (int t = 0; t < 10; t++)
        {
            text.Append(CultureInfo.InvariantCulture, $"2001-{t + 1:D2}-01,{20 + t},{1 + 0.1 * t:F1}\n");
        }

        File.WriteAllText(PathOf(name), text.ToString());
        return PathOf(name);
    }

    private static string UsageError((int Code, string Out, string Error) run)
    {
        Assert.Equal(2, run.Code);
        Assert.Equal("", run.Out);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", run.Error);
        return run.Error;
    }

    [Fact]
    public void Serve_refuses_a_forecasting_and_a_language_model_naming_what_to_use()
    {
        string forecaster = Forecaster(), text = LanguageModel();
        string error = UsageError(CliRunner.Run("serve", "--model", forecaster, "--port", "0", "--workers", "1"));
        Assert.Contains($"{forecaster} is a forecasting model", error);
        Assert.Contains("nabla predict --model", error);
        error = UsageError(CliRunner.Run("serve", "--model", text, "--port", "0", "--workers", "1"));
        Assert.Contains($"{text} is a language model", error);
        Assert.Contains($"nabla generate --model {text}", error);
    }

    [Fact]
    public void Predict_forecasts_one_series_and_refuses_the_options_for_samples()
    {
        string forecaster = Forecaster(), series = Series("sales.csv");
        var run = CliRunner.Run("predict", "--model", forecaster, "--input", series);
        Assert.True(run.Code == 0, run.Error);
        string[] lines = run.Out.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("2001-11-01  ", lines[1]);

        // A pattern that names one file is that file.
        Assert.Equal(run.Out, CliRunner.Run("predict", "--model", forecaster, "--input", Path.Combine(_folder, "sal*.csv")).Out);

        string other = Series("more.csv");
        Assert.Contains("a forecasting model forecasts one series; give one CSV file, not 2 files", UsageError(CliRunner.Run("predict", "--model", forecaster, "--input", series, other)));
        foreach (string[] option in new string[][] { ["--json"], ["--out", PathOf("p.csv")], ["--show", PathOf("shown")], ["--min-confidence", "0.5"] })
        {
            string error = UsageError(CliRunner.Run(["predict", "--model", forecaster, "--input", series, .. option]));
            Assert.StartsWith($"nabla: error: {option[0]} is for models that predict samples; a forecasting model prints the 2 step(s) after the end of its series", error);
        }

        Assert.False(File.Exists(PathOf("p.csv")));
        Assert.Contains("is a language model (--task text): sample lines from it with nabla generate", UsageError(CliRunner.Run("predict", "--model", LanguageModel(), "--input", series)));
    }

    public static TheoryData<string[], string> BadGenerateOptions => new()
    {
        { ["--count", "0"], "--count must be from 1 to 1,000,000, got 0." },
        { ["--count", "1000001"], "--count must be from 1 to 1,000,000, got 1000001." },
        { ["--count", "many"], "Cannot parse argument 'many' for option '--count' as a whole number" },
        { ["--temperature", "0"], "--temperature must be a positive number, got 0." },
        { ["--temperature", "-1"], "--temperature must be a positive number, got -1." },
        { ["--temperature", "NaN"], "--temperature must be a positive number, got NaN." },
        { ["--temperature", "warm"], "Cannot parse argument 'warm' for option '--temperature' as a number" },
        { ["--seed", "1.5"], "Cannot parse argument '1.5' for option '--seed' as a whole number" },
        { ["--prefix", "abd"], "--prefix 'abd': the character 'd' (U+0064) never appeared in the training text (it had: abc)." },
        { ["--prefix", "a\nb"], "--prefix 'a\\u000Ab': the character (U+000A) never appeared in the training text" },
        { ["--prefix", "abca"], "--prefix 'abca': the prefix has 4 characters; the model's longest line is 4" },
    };

    [Theory]
    [MemberData(nameof(BadGenerateOptions))]
    public void Bad_generate_options_are_one_line_and_exit_2(string[] options, string message)
    {
        string error = UsageError(CliRunner.Run(["generate", "--model", LanguageModel(), .. options]));
        Assert.Contains(message, error);
    }

    [Fact]
    public void Generate_refuses_a_model_that_is_not_a_language_model_or_no_model()
    {
        Assert.Contains("is not a language model (it was trained for regression); train one with nabla train --task text", UsageError(CliRunner.Run("generate", "--model", Forecaster())));
        Assert.Contains("no such model file", UsageError(CliRunner.Run("generate", "--model", PathOf("none.nabla"))));
        var lines = CliRunner.Run("generate", "--model", LanguageModel(), "--count", "3", "--prefix", "ab");
        Assert.True(lines.Code == 0, lines.Error);
        Assert.All(lines.Out.TrimEnd().Split('\n'), line => Assert.StartsWith("ab", line));
    }

    [Fact]
    public void Evaluate_with_or_without_data_points_to_where_the_test_figures_are()
    {
        string forecaster = Forecaster(), text = LanguageModel(), series = Series("sales.csv");
        Assert.Contains("is a forecasting model: nabla train reports its test RMSE", UsageError(CliRunner.Run("evaluate", "--model", forecaster)));
        Assert.Contains("is a forecasting model: nabla train reports its test RMSE", UsageError(CliRunner.Run("evaluate", "--model", forecaster, "--data", series)));
        Assert.Contains("is a language model: nabla train reports its held-out bits per character", UsageError(CliRunner.Run("evaluate", "--model", text)));
        Assert.Contains("is a language model", UsageError(CliRunner.Run("report", "--model", text, "--data", series, "--out", PathOf("r.html"))));
        var report = CliRunner.Run("report", "--model", forecaster, "--out", PathOf("f.html"));
        Assert.True(report.Code == 0, report.Error);
        Assert.DoesNotContain("no evaluation sections", report.Error);   // no note: a forecaster's figures are train's
    }
}
