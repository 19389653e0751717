using Nabla.Fuzz;

namespace Nabla.Tests.Reliability;

/// <summary>A bounded slice of the mutation fuzzer (tests/Nabla.Fuzz) for each loader: no undocumented exception, no
/// multi-line message, no message without the file, no hang. The full runs are in docs/RELIABILITY.md.</summary>
public sealed class FuzzSliceTests
{
    [Theory]
    [InlineData("model", 800)]
    [InlineData("checkpoint", 400)]
    [InlineData("idx", 700)]
    [InlineData("csv", 400)]
    [InlineData("image", 600)]
    [InlineData("model-raw", 300)]
    public void Mutated_files_fail_only_with_documented_one_line_errors(string target, int cases)
    {
        FuzzReport report = Fuzzer.Run(target, cases, seed: 20261201);
        string defects = string.Join("; ", report.Defects.Select(d => $"{d.Key} x{report.Outcomes[d.Key]} (case {d.Value.Case}: {d.Value.Detail})"));
        Assert.True(report.DefectCount == 0, defects);
        // The 2-second limit is the full runs' (docs/RELIABILITY.md); here, on a machine busy with the rest of the
        // suite, a case must only end well before the fuzzer's hang limit.
        Assert.True(report.SlowestSeconds < 10, $"case {report.SlowestCase} took {report.SlowestSeconds:F1} s");
        Assert.True(report.Outcomes.GetValueOrDefault("loaded") > 0, "no mutated file loaded: the mutations are too coarse");
        Assert.True(report.Outcomes.Count > 1, "every mutated file loaded: the mutations do not reach the checks");
    }
}
