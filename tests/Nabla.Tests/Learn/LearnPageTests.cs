using System.Text.RegularExpressions;
using Nabla.Diagnostics;
using Nabla.Layers;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Learn;

/// <summary>docs/LEARN.md cannot go stale: every command on the page runs (at a small size: one epoch on 1,000 digits), in
/// order, and its code sample compiles and passes the gradient check as the page says.</summary>
public sealed partial class LearnPageTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-learn-").FullName;
    private readonly string _digits = TestData.WriteSlice(1000, 300);

    public void Dispose()
    {
        Directory.Delete(_work, recursive: true);
        Directory.Delete(_digits, recursive: true);
    }

    /// <summary>The page's commands: lines starting "nabla " in its bash blocks, continuation lines joined.</summary>
    internal static IReadOnlyList<string> Commands()
    {
        string page = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", "LEARN.md"));
        return BashBlock().Matches(page).SelectMany(m => m.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
            .Where(l => l.StartsWith("nabla ", StringComparison.Ordinal)).ToArray();
    }

    [Fact]
    public void Every_command_on_the_page_runs_in_order_at_a_small_size()
    {
        IReadOnlyList<string> commands = Commands();
        Assert.True(commands.Count >= 20, $"only {commands.Count} commands found");
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (string command in commands)
        {
            string[] args = Small(Arguments(command["nabla ".Length..]));
            if (args.FirstOrDefault(a => (a.Contains(SharedDatasets, StringComparison.Ordinal) && !File.Exists(a)) || skipped.Contains(a)) is { } missing)
            {
                // The project's shared datasets (the house prices) are not part of a checkout: that command, and those
                // that read what it writes, are left out.
                output.WriteLine($"skipped (no {missing}): {command}");
                skipped.UnionWith(args.Where(a => a.StartsWith(_work, StringComparison.Ordinal)));
                continue;
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (code, _, error) = CliRunner.Run(args);
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F2} s  {command}");
            Assert.True(code == 0, $"{command}\n→ {string.Join(' ', args)}\n{error}");
        }

        Assert.True(File.Exists(Path.Combine(_work, "optimizers.png")));
        Assert.True(File.Exists(Path.Combine(_work, "report.html")));
        Assert.True(File.Exists(Path.Combine(_work, "search.csv")));
        Assert.True(File.Exists(Path.Combine(_work, "tuned.nabla")));
        Assert.True(Directory.Exists(Path.Combine(_work, "errors")));
    }

    [Fact]
    public void The_custom_layer_on_the_page_passes_the_gradient_check_and_registers()
    {
        var layer = new Cube();
        layer.Build(new Shape(5));
        var input = new Tensor(Enumerable.Range(0, 15).Select(i => (i - 7) * 0.2f + 0.1f).ToArray(), new Shape(3, 5));
        GradientCheckResult result = GradientCheck.Layer(layer, input);
        Assert.True(result.Passed, result.ToString());
        Assert.StartsWith("input ", result.ToString());
        LayerRegistry.Register(Cube.Definition);
        Assert.Equal("cube", ArchitectureParser.Parse("dense(16) cube")[1].Type.Name);
        string page = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", "LEARN.md"));
        Assert.Contains("public sealed class Cube : Activation", page);
    }

    /// <summary>One epoch; 1,000 + 300 digits instead of the built-in 10,000 + 10,000; relative files in the scratch
    /// folder, examples/ from the repository.</summary>
    private string[] Small(string[] args)
    {
        var result = new List<string>();
        if (args[0] is "train" or "search" or "evaluate" or "report" or "explain" && !args.Contains("--data"))
        {
            result.AddRange([args[0], "--data", _digits]);
            args = args[1..];
        }

        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (i > 0 && args[i - 1] == "--epochs")
            {
                a = Math.Min(1, int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (a.StartsWith("examples/", StringComparison.Ordinal))
            {
                a = Path.Combine(TestData.RepositoryRoot, a);
            }
            else if (a.StartsWith("../shared/", StringComparison.Ordinal))
            {
                a = Path.GetFullPath(Path.Combine(TestData.RepositoryRoot, a));
            }
            else if (Regex.IsMatch(a, @"^[\w-]+\.(nabla|png|html|jpg|svg|csv|json)$") || (i > 0 && args[i - 1] == "--errors"))
            {
                a = Path.Combine(_work, a);
            }

            result.Add(a);
        }

        if (args.Any(a => a.StartsWith("../shared/", StringComparison.Ordinal)) && !args.Contains("--epochs"))
        {
            result.AddRange(["--epochs", "1"]);
        }

        return [.. result];
    }

    private static readonly string SharedDatasets = Path.Combine("shared", "datasets");

    /// <summary>Splits a command line as a shell would (double quotes group).</summary>
    private static string[] Arguments(string line) =>
        Token().Matches(line).Select(m => m.Value.StartsWith('"') ? m.Value[1..^1] : m.Value).ToArray();

    [GeneratedRegex("```bash\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex("\"[^\"]*\"|\\S+")]
    private static partial Regex Token();

    /// <summary>The page's example layer, as written there: y = x³, dX = dY·3x².</summary>
    private sealed class Cube : Activation
    {
        public static LayerType Definition { get; } = new("cube", "y = x³", [], _ => new Cube());

        public override LayerType Type => Definition;

        protected override void Apply(ReadOnlySpan<float> x, int columns, Span<float> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i] * x[i] * x[i];
            }
        }

        protected override void Derivative(ReadOnlySpan<float> y, ReadOnlySpan<float> dY, int columns, Span<float> dX)
        {
            for (int i = 0; i < y.Length; i++)
            {
                dX[i] = dY[i] * 3 * MathF.Pow(MathF.Abs(y[i]), 2f / 3);
            }
        }
    }
}
