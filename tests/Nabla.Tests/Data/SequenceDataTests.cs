using Nabla.Data;
using Nabla.Losses;
using Nabla.Metrics;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Data;

/// <summary>Time series, forecast windows, text corpora and their baselines.</summary>
public sealed class SequenceDataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-sequence-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_series_has_the_target_first_then_numeric_covariates_and_leaves_text_columns_out()
    {
        string path = Write("w.csv", "date,rain,temp,kind\n2020-01-01,0.5,10,sun\n2020-01-02,1.5,11,rain\n2020-01-03,0,9,sun\n");
        TimeSeries series = TimeSeries.Load(path, new TimeSeriesOptions { Target = "temp" });
        Assert.Equal(["temp", "rain"], series.Columns);
        Assert.Equal(["kind"], series.LeftOut);
        Assert.Equal([10f, 0.5f, 11f, 1.5f, 9f, 0f], series.Values);
        Assert.Equal("date", series.Dates!.Column);
        Assert.True(series.Dates.IsCalendar);
    }

    [Theory]
    [InlineData("year,v\n1999,1\n2000,2\n2002,3\n2003,4\n", 3, "2004,2005,2006")]        // the most common step: 1
    [InlineData("time,v\n0.5,1\n1,2\n1.5,3\n", 2, "2,2.5")]
    [InlineData("date,v\n2015-12-30,1\n2015-12-31,2\n", 2, "2016-01-01,2016-01-02")]
    [InlineData("date,v\n2012/01/30,1\n2012/01/31,2\n", 1, "2012/02/01")]
    [InlineData("month,v\n2020-11-15,1\n2020-12-15,2\n2021-01-15,3\n", 2, "2021-02-15,2021-03-15")] // by months
    public void Dates_are_continued_in_the_column_s_style(string csv, int count, string expected)
    {
        TimeSeries series = TimeSeries.Load(Write("d.csv", csv), new TimeSeriesOptions());
        Assert.Equal(expected.Split(','), series.Dates!.Continue(count));
    }

    [Theory]
    [InlineData("year,v\n2000,1\n2001,2\n2001,3\n", "line 4", "repeats the date of line 3")]
    [InlineData("year,v\n2000,1\n2002,2\n2001,3\n", "line 4", "comes before '2002'")]
    [InlineData("date,v\n2000-01-01,1\nsoon,2\n", "line 3", "neither a date")]
    [InlineData("year,v\n2000,1\n2001,\n2002,3\n", "line 3", "a missing value in the target")]
    [InlineData("year,v\n2000,1\n2001,NA\n2002,3\n", "line 3", "a missing value in the target")]
    [InlineData("year,v\n2000,1\n2001,lots\n2002,3\n", "line 3", "'lots' in the target is not a finite number")]
    [InlineData("year,v,w\n2000,1,2\n2001,3,x\n", "line 3", "covariate")]
    [InlineData("1,2\n3,4\n", "", "needs a header")]
    public void Bad_series_are_refused_naming_the_line(string csv, string line, string problem)
    {
        var ex = Assert.Throws<DataFormatException>(() => TimeSeries.Load(Write("bad.csv", csv), new TimeSeriesOptions { Target = csv.StartsWith("1,", StringComparison.Ordinal) ? null : "v" }));
        Assert.Contains(line, ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    private TimeSeries Ramp(int rows) =>
        TimeSeries.Load(Write("ramp.csv", "step,y,x\n" + string.Concat(Enumerable.Range(0, rows).Select(t => $"{t},{t * t % 17},{t % 3}\n"))), new TimeSeriesOptions { Target = "y", DateColumn = "step" });

    [Fact]
    public void Windows_split_chronologically_with_scaling_from_the_training_steps_only()
    {
        TimeSeries series = Ramp(50);
        // 50 steps, test period = the last 10 (steps 40–49); window 4, horizon 2.
        ForecastWindows w = ForecastWindows.Create(series, new ForecastSettings(4, 2, 5, series.Columns, "step"), ScalingKind.Standard, 0.2, 0);
        Assert.Equal(40, w.TestCut);
        Assert.Equal(Enumerable.Range(40, 9), w.TestStarts);                  // forecasts starting at 40 … 48 (48 + 2 ≤ 50)
        Assert.Equal(35, w.Train.Count);                                      // t = 4 … 38: targets end before step 40
        Assert.Equal(new Nabla.Tensors.Shape(4, 2), w.Train.SampleShape);    // [window, columns]
        double mean = Enumerable.Range(0, 40).Average(t => t * t % 17);
        Assert.Equal(mean, w.TargetMean, 5);
        // the first training window's target, standardized: y_4 = 16
        Assert.Equal((16 - mean) / w.TargetStd, w.Train.Targets[0, 0], 4);
        // the last test window's second target is the series' last value, and its baselines look back as stated
        Assert.Equal(49 * 49 % 17, w.TestActual[^1]);
        Assert.Equal(47 * 47 % 17, w.LastValue[^1]);                         // y_{t−1}, t = 48
        Assert.Equal(44 * 44 % 17, w.SeasonalNaive![^1]);                    // y_{t+1−5}
        // inputs are scaled with the training steps' statistics: the target column of the first window is (y − mean)·scale
        Assert.Equal((float)((0 - w.InputScaler.Offset[0]) * w.InputScaler.Scale[0]), w.Train.Features[0], 5);
        Assert.Equal(mean, w.InputScaler.Offset[0], 4);
    }

    [Theory]
    [InlineData(60, 1, 0, 0.2, "--window 60 is longer than the series")]
    [InlineData(45, 1, 0, 0.2, "does not fit before the test period")]
    [InlineData(4, 12, 0, 0.2, "--horizon 12 is longer than the test period")]
    [InlineData(4, 1, 45, 0.2, "--season 45")]
    [InlineData(4, 1, 0, 0, "--test-split must be in (0, 1)")]
    public void Windows_that_do_not_fit_are_refused_naming_the_option(int window, int horizon, int season, double test, string message)
    {
        TimeSeries series = Ramp(50);
        var ex = Assert.Throws<ArgumentException>(() => ForecastWindows.Create(series, new ForecastSettings(window, horizon, season, series.Columns, null), ScalingKind.Standard, test, 0));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Forecast_metrics_leave_zero_actuals_out_of_the_percentage()
    {
        ForecastMetrics m = ForecastMetrics.Compute([0f, 2f, 4f], [1f, 1f, 5f]);
        Assert.Equal(Math.Sqrt(1.0), m.RootMeanSquaredError, 12);
        Assert.Equal(1.0, m.MeanAbsoluteError, 12);
        Assert.Equal(100 * (0.5 + 0.25) / 2, m.MeanAbsolutePercentageError, 12);
        Assert.Equal(2, m.MapeValues);
    }

    [Fact]
    public void A_corpus_line_becomes_inputs_shifted_by_one_and_targets_ending_with_the_boundary()
    {
        TextCorpus corpus = TextCorpus.Load(Write("w.txt", "ab\r\n\nbca\n"));
        Assert.Equal(["\n", "a", "b", "c"], corpus.Vocabulary);
        Assert.Equal(4, corpus.Steps);
        Dataset data = corpus.Encode([0, 1]);
        Assert.Equal(Nabla.Data.TaskKind.Text, data.Task);
        Assert.Equal(4 * 4, data.OutputCount);
        // "ab": inputs [⏎, a, b, ⏎], targets [a, b, ⏎, −1]; "bca": [⏎, b, c, a], [b, c, a, ⏎]
        Assert.Equal([0f, 1f, 2f, 0f, 0f, 2f, 3f, 1f], data.Features.Span.ToArray());
        Assert.Equal([1f, 2f, 0f, -1f, 2f, 3f, 1f, 0f], data.Targets.Span.ToArray());
    }

    [Fact]
    public void Text_in_utf16_or_with_a_byte_order_mark_and_any_line_ends_reads_as_utf8_does()
    {
        string path = Path.Combine(_folder, "t.txt");
        TextCorpus expected = TextCorpus.Load(Write("plain.txt", "ab\ncé\tz\n"));
        var files = new (string Name, byte[] Bytes)[]
        {
            ("bom8.txt", [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("ab\r\ncé\tz\r\n")]),
            ("cr.txt", System.Text.Encoding.UTF8.GetBytes("ab\rcé\tz\r\r")),
            ("le16.txt", [0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes("ab\ncé\tz\n")]),
            ("be16.txt", [0xFE, 0xFF, .. System.Text.Encoding.BigEndianUnicode.GetBytes("ab\r\ncé\tz")]),
        };
        foreach (var (name, bytes) in files)
        {
            File.WriteAllBytes(Path.Combine(_folder, name), bytes);
            TextCorpus corpus = TextCorpus.Load(Path.Combine(_folder, name));
            Assert.Equal(expected.Lines, corpus.Lines);
            Assert.Equal(expected.Vocabulary, corpus.Vocabulary);
        }

        Assert.Equal(["ab", "cé\tz"], expected.Lines);
    }

    public static TheoryData<byte[], string> NotText => new()
    {
        { [.. "ab\ncd\n"u8, 0x00, 0x01, 0x02], "t.txt: not a text file (byte 6 is zero, as in binary data, on line 3)" },
        { [.. "abc\ncaf"u8, 0xE9, .. "\n"u8], "t.txt: line 2 is not UTF-8 text (byte 7 is 0xE9); save the file as UTF-8" },
        { [.. "ab\nc"u8, 0xF0, 0x9F, 0x98, 0x80, .. "d\n"u8], "t.txt: line 2 has U+1F600, beyond U+FFFF" },
        { "ab\na\u001B[31mb\n"u8.ToArray(), "t.txt: line 2 has the control character U+001B" },
        { [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00], "begins with a UTF-16 byte-order mark but is not UTF-16 text" },
    };

    [Theory]
    [MemberData(nameof(NotText))]
    public void A_file_that_is_not_text_is_refused_naming_the_line(byte[] bytes, string message)
    {
        string path = Path.Combine(_folder, "t.txt");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<DataFormatException>(() => TextCorpus.Load(path));
        Assert.Contains(message, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void An_empty_text_file_is_refused()
    {
        var ex = Assert.Throws<DataFormatException>(() => TextCorpus.Load(Write("e.txt", "\n\r\n")));
        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public void The_bigram_baseline_scores_held_out_lines_by_smoothed_counts()
    {
        string[] vocabulary = ["\n", "a", "b"];
        var bigram = BigramBaseline.Fit(["ab", "ab", "a"], vocabulary);
        // counts: ⏎→a 3; a→b 2, a→⏎ 1; b→⏎ 2. Held out "ab": P(a|⏎) = 4/6, P(b|a) = 3/6, P(⏎|b) = 3/5.
        var (bits, tokens) = bigram.Evaluate(["ab"]);
        Assert.Equal(3, tokens);
        Assert.Equal(-(Math.Log2(4 / 6.0) + Math.Log2(3 / 6.0) + Math.Log2(3 / 5.0)) / 3, bits, 12);
    }

    [Fact]
    public void Sparse_cross_entropy_skips_ended_positions_and_its_gradient_matches_central_differences()
    {
        var loss = new SparseSoftmaxCrossEntropy();
        float[] logits = [1f, 2f, 0.5f, -1f, 0f, 3f, 0.2f, 0.1f, -0.4f];
        float[] targets = [1f, -1f, 2f];
        float[] gradient = new float[9];
        float value = loss.Compute(logits, targets, 9, gradient);
        double Nll(int row, int id) => -(logits[row * 3 + id] - Math.Log(Enumerable.Range(0, 3).Sum(j => Math.Exp(logits[row * 3 + j]))));
        Assert.Equal((Nll(0, 1) + Nll(2, 2)) / 2, value, 5);
        Assert.Equal([0f, 0f, 0f], gradient.AsSpan(3, 3).ToArray());
        Assert.True(GradientChecker.MaxLossError(loss, logits, targets, 9) < GradientChecker.Tolerance);
    }
}
