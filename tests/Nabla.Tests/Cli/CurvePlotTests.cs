using System.Text;
using System.Text.RegularExpressions;
using Nabla.Cli;
using Nabla.Training;

namespace Nabla.Tests.Cli;

/// <summary>The curves: whole-number epochs, the best epoch marked, no accuracy axis for regression, three formats.</summary>
public sealed class CurvePlotTests
{
    private static TrainingHistory History(bool accuracy, int? best)
    {
        var history = new TrainingHistory();
        for (int e = 1; e <= 7; e++)
        {
            history.Add(new EpochReport(e, 1.0 / e, accuracy ? 1 - 0.5 / e : double.NaN, 1.2 / e, accuracy ? 1 - 0.6 / e : null, 1e-3, TimeSpan.Zero));
        }

        if (best is not null)
        {
            // BestEpoch is set by early stopping; the model-file form is the public way to get a history that has one
            history = TrainingHistory.FromJson(history.ToJson().Replace("\"best_epoch\":null", $"\"best_epoch\":{best}", StringComparison.Ordinal));
        }

        return history;
    }

    [Fact]
    public void Epoch_ticks_are_whole_numbers_and_the_best_epoch_is_marked()
    {
        string svg = Encoding.UTF8.GetString(CurvePlot.Render(History(accuracy: true, best: 3), ".svg", 800, 500));
        Assert.Contains("best epoch (3), kept", svg);
        Assert.Contains("validation accuracy", svg);
        // tick labels: the x axis's are black, each y axis's are in the colour of its lines
        var ticks = Regex.Matches(svg, "<text( fill=\"(#[0-9A-F]{6})\")?[^>]*font-size=\"12\"[^>]*>\\s*([-0-9.]+)\\s*</text>")
            .Select(m => (Colour: m.Groups[2].Value, Text: m.Groups[3].Value)).ToArray();
        string[] epochs = ticks.Where(t => t.Colour.Length == 0).Select(t => t.Text).ToArray();
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7"], epochs);
        Assert.Contains(ticks, t => t.Colour == CurvePlot.LossColor.ToHex()[..7].ToUpperInvariant());
        Assert.Contains(ticks, t => t.Colour == CurvePlot.AccuracyColor.ToHex()[..7].ToUpperInvariant());
    }

    [Fact]
    public void A_regression_history_has_no_accuracy_axis_and_every_format_has_its_signature()
    {
        TrainingHistory history = History(accuracy: false, best: null);
        string svg = Encoding.UTF8.GetString(CurvePlot.Render(history, ".svg", 800, 500));
        Assert.DoesNotContain("accuracy", svg);
        Assert.Contains("standardized target", svg);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], CurvePlot.Render(history, ".png", 400, 300)[..4]);
        Assert.Equal([0xFF, 0xD8, 0xFF], CurvePlot.Render(history, ".jpg", 400, 300)[..3]);
    }
}
