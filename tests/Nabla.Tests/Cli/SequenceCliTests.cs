using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The three sequence tasks through the CLI on small generated data: image rows through an LSTM, a forecast
/// of a seasonal series, a character model and its samples, and their bad input.</summary>
public sealed class SequenceCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-sequence-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private string Write(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        return PathOf(name);
    }

    /// <summary>Ten years of a monthly series with a yearly season, noise and a covariate.</summary>
    private string MonthlySeries()
    {
        var random = new Random(3);
        var text = new StringBuilder("date,sales,price,note\n");
        for (int t = 0; t < 120; t++)
        {
            double season = Math.Sin(2 * Math.PI * t / 12);
            text.Append(CultureInfo.InvariantCulture, $"{new DateTime(2000, 1, 1).AddMonths(t):yyyy-MM-dd},{20 + 6 * season + random.NextDouble():F3},{1 + 0.1 * season:F3},x\n");
        }

        return Write("sales.csv", text.ToString());
    }

    [Fact]
    public async Task Image_rows_train_through_an_lstm_and_serve_predict_and_evaluate_take_it_as_an_image_model()
    {
        string data = TestData.WriteSlice(512, 200);
        try
        {
            string model = PathOf("rows.nabla");
            var (code, output, error) = CliRunner.Run("train", "--data", data, "--arch", "reshape(28,28) lstm(16)", "--epochs", "6", "--lr", "0.01", "--out", model, "--json", "--quiet");
            Assert.True(code == 0, error);
            Assert.True((double)JsonNode.Parse(output)!["test_accuracy"]! > 0.3, output);   // chance is 0.1
            var summary = CliRunner.Run("summary", "--model", model);
            Assert.Contains("(None, 28, 28)", summary.Out);
            Assert.Contains("lstm_1 (lstm)", summary.Out);
            Assert.Contains("(None, 16)", summary.Out);
            Assert.Contains("2,880", summary.Out);   // 4·16·(28 + 16) + 4·16

            // An image model like any other: evaluate without --data on the test part of the folder it was trained on,
            // predict on a picture, and nabla serve's page and API.
            var evaluation = CliRunner.Run("evaluate", "--model", model, "--json");
            Assert.True(evaluation.Code == 0, evaluation.Error);
            Assert.Equal(200, (int)JsonNode.Parse(evaluation.Out)!["samples"]!);
            string photo = TrainedDigits.Photos[0].Path;
            var predicted = CliRunner.Run("predict", "--model", model, "--input", photo, "--json");
            Assert.True(predicted.Code == 0, predicted.Error);
            string expected = (string)JsonNode.Parse(predicted.Out)!["predictions"]![0]!["class"]!;
            using var server = new ServerRunner("--model", model, "--workers", "1");
            Assert.Equal("image", (string)JsonNode.Parse(await server.Client.GetStringAsync("model"))!["kind"]!);
            using var content = new ByteArrayContent(File.ReadAllBytes(photo));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(photo.EndsWith(".jpg", StringComparison.Ordinal) ? "image/jpeg" : "image/png");
            using HttpResponseMessage response = await server.Client.PostAsync("predict", content);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["predictions"]![0]!["class"]!);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void A_forecast_beats_the_last_value_and_predict_continues_the_dates()
    {
        string data = MonthlySeries();
        string model = PathOf("sales.nabla"), plot = PathOf("sales.png");
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--task", "forecast", "--target", "sales", "--window", "12", "--horizon", "2",
            "--season", "12", "--arch", "gru(16)", "--epochs", "60", "--batch-size", "16", "--lr", "0.01", "--out", model, "--plot", plot, "--json", "--quiet");
        Assert.True(code == 0, error);
        JsonObject report = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("forecast", (string)report["task"]!);
        Assert.Equal(23, (int)report["test_windows"]!);              // forecasts starting at months 96 … 118
        Assert.Equal("2008-01-01–2009-12-01", (string)report["test_period"]!);
        Assert.True((double)report["test_rmse"]! < 0.5 * (double)report["naive_rmse"]!, output);
        Assert.True((double)report["seasonal_naive_rmse"]! > 0, output);
        Assert.True(new FileInfo(plot).Length > 1000);

        var prediction = CliRunner.Run("predict", "--model", model, "--input", data);
        Assert.True(prediction.Code == 0, prediction.Error);
        string[] lines = prediction.Out.Trim().Split('\n');
        Assert.Contains("after the end of", lines[0]);
        Assert.StartsWith("2010-01-01  ", lines[1]);
        Assert.StartsWith("2010-02-01  ", lines[2]);
        Assert.InRange(double.Parse(lines[1].Split("  ")[1], CultureInfo.InvariantCulture), 14, 26);

        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Contains("(None, 12, 2)", summary.Out);                 // window × (sales, price); the text column is left out
        Assert.Contains("forecast", summary.Out);

        // predict refuses a file too short for a window, or without the model's columns, in one line
        string[] rows = File.ReadAllLines(data);
        string shortFile = Write("short.csv", string.Join('\n', rows.Take(11)) + "\n");
        AssertUsageError(CliRunner.Run("predict", "--model", model, "--input", shortFile), "short.csv has 10 steps but the model forecasts from a window of the last 12");
        string noPrice = Write("noprice.csv", string.Join('\n', rows.Select(r => string.Join(',', r.Split(',').Where((_, j) => j != 2)))) + "\n");
        AssertUsageError(CliRunner.Run("predict", "--model", model, "--input", noPrice), "the model's covariate 'price' is not a column");

        // evaluate and report: the test figures are train's; report still shows the curves, layers and settings
        AssertUsageError(CliRunner.Run("evaluate", "--model", model), "is a forecasting model");
        AssertUsageError(CliRunner.Run("report", "--model", model, "--data", data, "--out", PathOf("r.html")), "is a forecasting model");
        var page = CliRunner.Run("report", "--model", model, "--out", PathOf("sales.html"));
        Assert.True(page.Code == 0, page.Error);
        string html = File.ReadAllText(PathOf("sales.html"));
        Assert.Contains("forecasting sales 2 step(s) ahead from windows of 12", html);
        Assert.Contains("<td>window</td><td>12</td>", html);
    }

    private static void AssertUsageError((int Code, string Out, string Error) run, string message)
    {
        Assert.Equal(2, run.Code);
        Assert.Contains(message, run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void A_character_model_beats_the_bigram_baseline_and_generates_reproducibly()
    {
        string[] syllables = ["ko", "ta", "mi", "ru", "se", "na"];
        var random = new Random(5);
        string words = Write("words.txt", string.Join('\n', Enumerable.Range(0, 300).Select(_ => string.Concat(Enumerable.Repeat(syllables[random.Next(6)], 2 + random.Next(3))))));
        string model = PathOf("words.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", words, "--task", "text", "--arch", "embedding(8) gru(32, return_sequences=true)",
            "--epochs", "12", "--batch-size", "16", "--lr", "0.01", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        JsonObject report = JsonNode.Parse(output)!.AsObject();
        Assert.True((double)report["test_bits_per_char"]! < 0.85 * (double)report["bigram_bits_per_char"]!, output);
        Assert.Equal(12, (int)report["vocabulary"]!);                      // the boundary and k, o, t, a, m, i, r, u, s, e, n
        var first = CliRunner.Run("generate", "--model", model, "--count", "8", "--temperature", "0.8", "--seed", "2");
        Assert.True(first.Code == 0, first.Error);
        Assert.Equal(8, first.Out.Trim().Split('\n').Length);
        Assert.Equal(first.Out, CliRunner.Run("generate", "--model", model, "--count", "8", "--temperature", "0.8", "--seed", "2").Out);
        var prefixed = CliRunner.Run("generate", "--model", model, "--count", "5", "--prefix", "na", "--seed", "1");
        Assert.All(prefixed.Out.Trim().Split('\n'), line => Assert.StartsWith("na", line));
        Assert.Contains("(None, 9, 32)", CliRunner.Run("summary", "--model", model).Out);   // the longest word (8) + 1 steps
        AssertUsageError(CliRunner.Run("evaluate", "--model", model), "is a language model");
        Assert.Equal(0, CliRunner.Run("report", "--model", model, "--out", PathOf("words.html")).Code);
        Assert.Contains("a character-level language model (11 characters, lines up to 8)", File.ReadAllText(PathOf("words.html")));
    }

    public static TheoryData<string, string[], string> BadInputs => new()
    {
        { "year,v\n2000,1\n2001,2\n2002,3\n", ["--window", "5"], "--window 5 is longer than the series" },
        { "year,v\n2000,1\n2001,2\n2002,x\n2003,4\n2004,5\n", ["--window", "1"], "line 4, column 'v': 'x' in the target is not a finite number" },
        { "year,v\n2000,1\n2001,\n2002,3\n2003,4\n2004,5\n", ["--window", "1"], "line 3, column 'v': a missing value in the target" },
        { "year,v\n2000,1\n2002,2\n2001,3\n2003,4\n2004,5\n", ["--window", "1"], "line 4, date column 'year': '2001' comes before '2002'" },
        { "year,v\n2000,1\n2001,2\n2001,3\n2003,4\n2004,5\n", ["--window", "1"], "line 4, date column 'year': '2001' repeats the date of line 3" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", [], "--task forecast needs --window" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "0"], "--window must be at least 1, got 0" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "x"], "Cannot parse argument 'x' for option '--window' as a whole number" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "1", "--horizon", "0"], "--horizon must be at least 1, got 0" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "1", "--horizon", "3"], "--horizon 3 is longer than the test period (1 steps" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "1", "--season", "-1"], "--season must be 0 (none) or a number of steps, got -1" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "1", "--season", "5"], "--season 5 needs a whole season before the test period, which starts at step 5" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "4"], "--window 4 with --horizon 1 leaves no training window" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "1", "--test-split", "1"], "--test-split must be in (0, 1) for forecasting" },
        { "year,v\n2000,1\n2001,2\n2002,3\n2003,4\n2004,5\n", ["--window", "1", "--date", "when"], "--date 'when' is not a column (columns: year, v)" },
    };

    public static TheoryData<string, string> BadTargets => new()
    {
        { "nope", "--target 'nope' is not a column (columns: year, v, name)" },
        { "name", "line 2, column 'name': 'a' in the target is not a finite number" },
        { "year", "--target 'year' is the date column; forecast another column, or give --date none" },
    };

    [Theory]
    [MemberData(nameof(BadTargets))]
    public void A_target_that_is_no_numeric_column_fails_with_one_line_and_code_2(string target, string message)
    {
        string data = Write("named.csv", "year,v,name\n2000,1,a\n2001,2,b\n2002,3,c\n2003,4,d\n2004,5,e\n");
        var (code, output, error) = CliRunner.Run("train", "--data", data, "--task", "forecast", "--target", target, "--window", "1", "--out", PathOf("never.nabla"), "--quiet");
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal("", output);
        Assert.False(File.Exists(PathOf("never.nabla")));
    }

    public static TheoryData<byte[], string> NotText => new()
    {
        { [.. "abc\nbca\ncab\n"u8, 0x00, 0x00, 0x7F], "not a text file (byte 12 is zero" },
        { [.. "abc\nb"u8, 0xF0, 0x9F, 0x98, 0x80, .. "\ncab\n"u8], "line 2 has U+1F600, beyond U+FFFF" },
        { [.. "abc\ncaf"u8, 0xE9, .. "\ncab\n"u8], "line 2 is not UTF-8 text" },
    };

    [Theory]
    [MemberData(nameof(NotText))]
    public void A_file_that_is_not_text_fails_with_one_line_and_code_2_and_writes_no_model(byte[] bytes, string message)
    {
        File.WriteAllBytes(PathOf("lines.txt"), bytes);
        var (code, output, error) = CliRunner.Run("train", "--data", PathOf("lines.txt"), "--task", "text", "--epochs", "1", "--out", PathOf("never.nabla"), "--quiet");
        Assert.Equal(2, code);
        Assert.Contains($"lines.txt: {message}", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal("", output);
        Assert.False(File.Exists(PathOf("never.nabla")));
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_series_and_options_fail_with_one_line_and_code_2(string csv, string[] options, string message)
    {
        string data = Write("bad.csv", csv);
        var (code, output, error) = CliRunner.Run(["train", "--data", data, "--task", "forecast", "--target", "v", "--out", PathOf("never.nabla"), "--quiet", .. options]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal("", output);
        Assert.False(File.Exists(PathOf("never.nabla")));
    }

    [Fact]
    public void An_empty_text_file_and_unseen_prefix_characters_fail_with_code_2()
    {
        var empty = CliRunner.Run("train", "--data", Write("empty.txt", "\n\n"), "--task", "text", "--out", PathOf("e.nabla"), "--quiet");
        Assert.Equal(2, empty.Code);
        Assert.Contains("empty.txt: the text file is empty", empty.Error);

        string model = PathOf("tiny.nabla");
        Assert.Equal(0, CliRunner.Run("train", "--data", Write("tiny.txt", "abc\nbca\ncab\nab\nba\n"), "--task", "text", "--arch", "embedding(4) gru(4, return_sequences=true)", "--epochs", "1", "--out", model, "--quiet").Code);
        var unseen = CliRunner.Run("generate", "--model", model, "--prefix", "aZ");
        Assert.Equal(2, unseen.Code);
        Assert.Contains("--prefix 'aZ': the character 'Z' (U+005A) never appeared in the training text (it had: abc)", unseen.Error);
        var notText = CliRunner.Run("train", "--data", PathOf("tiny.txt"), "--window", "3", "--quiet");
        Assert.Equal(2, notText.Code);
        Assert.Contains("--window is for --task forecast", notText.Error);
    }
}
