using System.Text.Json.Nodes;
using Nabla.Cli;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>The commands of examples/README.md, as written there.</summary>
public sealed class ExampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-examples-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);


    [Fact]
    public void Xor_learns_all_four_cases()
    {
        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");
        string model = Path.Combine(_folder, "xor.nabla");
        var (code, output, error) = CliRunner.Run("train", "--data", xor, "--test-split", "0", "--scale", "none", "--layers", "10", "--activation", "sigmoid",
            "--optimizer", "adam", "--lr", "0.05", "--batch-size", "full", "--epochs", "1000", "--out", model, "--json", "--quiet");
        Assert.True(code == 0, error);
        Assert.Equal(1.0, (double)JsonNode.Parse(output)!["test_accuracy"]!);
        var prediction = CliRunner.Run("predict", "--model", model, "--input", xor);
        string[] lines = prediction.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^sample +input +class +probability +next best$", lines[0]);
        Assert.Matches(@"^0 +\S+xor\.csv\[0\] +0 +\d\.\d{3} ", lines[1]);
        Assert.Matches(@"^1 +\S+\[1\] +1 ", lines[2]);
        Assert.Matches(@"^2 +\S+\[2\] +1 ", lines[3]);
        Assert.Matches(@"^3 +\S+\[3\] +0 ", lines[4]);
    }

    [Fact]
    public void The_convnet_trains_on_a_few_hundred_digits_and_summarizes()
    {
        const string architecture = "conv2d(32, 3) relu maxpool(2) conv2d(64, 3) relu maxpool(2) flatten dropout(0.5)";
        Assert.Contains($"--arch \"{architecture}\" --batch-size 128 --epochs 12", File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "examples", "README.md")));
        string data = TestData.WriteSlice(500, 200);
        try
        {
            string model = Path.Combine(_folder, "cnn.nabla");
            var (code, output, error) = CliRunner.Run("train", "--data", data, "--arch", architecture, "--batch-size", "128", "--epochs", "3", "--out", model, "--json", "--quiet");
            Assert.True(code == 0, error);
            Assert.True((double)JsonNode.Parse(output)!["test_accuracy"]! > 0.5, output);
            var summary = CliRunner.Run("summary", "--model", model);
            Assert.Contains("(None, 64, 5, 5)", summary.Out);
            Assert.Contains("Total params: 34,826", summary.Out);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void The_readme_convnet_commands_train_on_a_few_hundred_digits()
    {
        // every "nabla train --arch ..." line of the README's convolutional section, with its --augment, for one epoch
        string readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "README.md"));
        var commands = System.Text.RegularExpressions.Regex.Matches(readme, "nabla train --arch \"([^\"]+)\"[^\n]*(?:\\\n[^\n]*)?")
            .Select(m => (Architecture: m.Groups[1].Value, Augment: System.Text.RegularExpressions.Regex.Match(m.Value, "--augment (\\S+)").Groups[1].Value)).ToArray();
        Assert.True(commands.Length >= 3, $"found {commands.Length} commands");
        string data = TestData.WriteSlice(300, 100);
        try
        {
            foreach (var (architecture, augment) in commands)
            {
                string[] extra = augment.Length > 0 ? ["--augment", augment] : [];
                var (code, _, error) = CliRunner.Run(["train", "--data", data, "--arch", architecture, "--epochs", "1", "--out", Path.Combine(_folder, "readme.nabla"), "--quiet", .. extra]);
                Assert.True(code == 0, $"{architecture}: {error}");
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Standard_scaling_is_applied_once_when_testing_on_the_training_data()
    {
        string xor = Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");
        LoadedData loaded = DataPreparation.Load(xor, TableSettings.Default, testSplit: 0, seed: 0);
        PreparedData prepared = DataPreparation.Prepare(loaded, TableSettings.Default.Preprocessing, validationSplit: 0, seed: 0);
        Assert.Same(prepared.Train, prepared.Test);
        // a and b are 0, 0, 1, 1 in some order: standardized once they are exactly −1 or +1
        Assert.All(prepared.Train.Features.Span.ToArray(), v => Assert.Equal(1f, MathF.Abs(v), 5));
    }

    [Fact]
    public void The_readme_sequence_commands_run_at_a_small_size()
    {
        // Every command of the README's sequence section as written there, with the data made small (a slice of the
        // digits, a generated yearly series with an 11-year cycle, a few hundred made-up words), one or two epochs,
        // and the files in a temporary folder.
        string readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "README.md"));
        int section = readme.IndexOf("### Sequences: recurrent networks", StringComparison.Ordinal);
        Assert.True(section >= 0, "the README has no sequence section");
        int start = readme.IndexOf("```bash\n", section, StringComparison.Ordinal) + 8;
        string block = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)].Replace("\\\n", " ", StringComparison.Ordinal);
        string[][] commands = block.Split('\n').Select(l => l.Split('#')[0].Trim()).Where(l => l.StartsWith("nabla ", StringComparison.Ordinal))
            .Select(l => Words(l).Skip(1).ToArray()).ToArray();
        Assert.Equal(6, commands.Length);

        string sunspots = Path.Combine(_folder, "sunspots.csv");
        File.WriteAllLines(sunspots, ["year,sunspots", .. Enumerable.Range(0, 150).Select(t =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{1850 + t},{60 + 50 * Math.Sin(2 * Math.PI * t / 11) + (t * 7 % 13):F1}"))]);
        string words = Path.Combine(_folder, "words.txt");
        string[] syllables = ["qu", "in", "ta", "ro", "es", "ck"];
        var random = new Random(2);
        File.WriteAllLines(words, Enumerable.Range(0, 300).Select(_ => string.Concat(Enumerable.Range(0, 2 + random.Next(3)).Select(_ => syllables[random.Next(syllables.Length)]))));
        string digits = TestData.WriteSlice(300, 100);
        try
        {
            string last = "";
            foreach (string[] command in commands)
            {
                var args = command.Select(a => a switch
                {
                    "../shared/datasets/timeseries/sunspots-yearly.csv" => sunspots,
                    "../shared/datasets/text/english-words.txt" => words,
                    _ when a.EndsWith(".nabla", StringComparison.Ordinal) || a.EndsWith(".png", StringComparison.Ordinal) => Path.Combine(_folder, a),
                    _ => a,
                }).ToList();
                int epochs = args.IndexOf("--epochs");
                if (epochs >= 0)
                {
                    args[epochs + 1] = args.Contains("forecast") ? "3" : "1";
                }

                if (args[0] == "train" && !args.Contains("--data"))
                {
                    args.AddRange(["--data", digits]);
                }

                var (code, output, error) = CliRunner.Run(args[0] == "train" ? [.. args, "--quiet"] : [.. args]);
                Assert.True(code == 0, $"nabla {string.Join(' ', command)}: {error}");
                last = output;
                if (args[0] == "summary")
                {
                    Assert.Matches(@"reshape_1 \(reshape\) +│ \(None, 28, 28\)", output);
                    Assert.Matches(@"lstm_1 \(lstm\) +│ \(None, 128\)", output);
                }
                else if (args[0] == "predict")
                {
                    Assert.StartsWith("2000  ", output.Split('\n')[1]);
                }
            }

            Assert.True(File.Exists(Path.Combine(_folder, "sunspots.png")));
            Assert.Equal(20, last.TrimEnd().Split('\n').Length);
            Assert.All(last.TrimEnd().Split('\n'), line => Assert.StartsWith("qu", line));
        }
        finally
        {
            Directory.Delete(digits, recursive: true);
        }
    }

    /// <summary>A command line's words as a shell splits them (double quotes group).</summary>
    private static IEnumerable<string> Words(string line)
    {
        var word = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                (quoted, any) = (!quoted, true);
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    yield return word.ToString();
                }

                (word, any) = (new System.Text.StringBuilder(), false);
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }

        if (any)
        {
            yield return word.ToString();
        }
    }
}
