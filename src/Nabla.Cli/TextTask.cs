using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Cli.Commands;
using Nabla.Data;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>A language-modelling run's corpus, its held-out lines and the bigram baseline's score on them.</summary>
/// <param name="Corpus">The file's lines and vocabulary.</param>
/// <param name="TestLines">The held-out lines.</param>
/// <param name="BigramBits">The bigram baseline's bits per character on them.</param>
internal sealed record TextPrepared(TextCorpus Corpus, IReadOnlyList<string> TestLines, double BigramBits);

/// <summary><c>nabla train --task text</c>: a character-level language model on a file of lines, scored in bits per
/// character against a bigram model.</summary>
internal static class TextTask
{
    /// <summary>Reads the lines, holds out a seeded random <paramref name="testSplit"/> of them (and a validation part),
    /// encodes them, and scores the bigram baseline fitted on the training lines.</summary>
    public static PreparedData Prepare(string path, double testSplit, double validationSplit, int seed)
    {
        if (!(testSplit > 0 && testSplit < 1))
        {
            throw new UsageException($"--test-split must be in (0, 1) for --task text (held-out lines are scored), got {testSplit.ToString(CultureInfo.InvariantCulture)}.");
        }

        TextCorpus corpus = TextCorpus.Load(path);
        if (corpus.Lines.Count < 3)
        {
            throw new UsageException($"--data {path}: {corpus.Lines.Count} line(s); a language model needs lines to train on and lines to test on.");
        }

        var (train, test) = Splits.TrainTest(corpus.Lines.Count, null, testSplit, seed);
        int[]? validation = null;
        if (validationSplit > 0)
        {
            var (rest, heldOut) = Splits.TrainTest(train.Length, null, validationSplit, seed + 1);
            (train, validation) = (rest.Select(i => train[i]).ToArray(), heldOut.Select(i => train[i]).ToArray());
        }

        string[] testLines = test.Select(i => corpus.Lines[i]).ToArray();
        BigramBaseline bigram = BigramBaseline.Fit(train.Select(i => corpus.Lines[i]), corpus.Vocabulary);
        var metadata = new ModelMetadata(corpus.Vocabulary, 1f, "") { Task = TaskKind.Text };
        return new PreparedData(corpus.Encode(train), validation is null ? null : corpus.Encode(validation), corpus.Encode(test), metadata, IsImage: false)
        {
            Text = new TextPrepared(corpus, testLines, bigram.Evaluate(testLines).BitsPerToken),
        };
    }

    /// <summary>Held-out bits per character next to the bigram baseline's.</summary>
    public static void Report(TrainCommand.TrainSettings s, TextPrepared text, Dataset test, Sequential model, TrainingHistory history, double trainSeconds, CliConsole console)
    {
        var (bits, tokens) = LanguageModelMetrics.Evaluate(model, test);
        double gain = 1 - bits / text.BigramBits;
        if (s.Plot is not null)
        {
            CurvePlot.Save(s.Plot, history);
        }

        if (s.Json)
        {
            console.Out.WriteLine(new JsonObject
            {
                ["train_seconds"] = Math.Round(trainSeconds, 3),
                ["task"] = "text",
                ["test_bits_per_char"] = Math.Round(bits, 4),
                ["bigram_bits_per_char"] = Math.Round(text.BigramBits, 4),
                ["below_bigram"] = Math.Round(gain, 4),
                ["test_lines"] = test.Count,
                ["test_characters"] = tokens,
                ["vocabulary"] = text.Corpus.Vocabulary.Count,
                ["epochs"] = history.Epochs.Count,
                ["parameters"] = model.ParameterCount,
                ["cancelled"] = history.Cancelled,
                ["model"] = s.Output,
            }.ToJsonString());
            return;
        }

        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Held-out cross-entropy {bits:F3} bits per character (bigram baseline {text.BigramBits:F3}: {Math.Abs(gain) * 100:F1} % {(gain >= 0 ? "lower" : "higher")}) over {tokens} characters and line ends of {test.Count} test lines; trained in {trainSeconds:F1} s{(history.Cancelled ? " (stopped early by Ctrl+C)" : "")}."));
        console.Out.WriteLine($"Saved the model to {s.Output} ({text.Corpus.Vocabulary.Count - 1} characters, lines up to {text.Corpus.Steps - 1}){(s.Plot is null ? "" : $" and the curves to {s.Plot}")}; sample from it with: nabla generate --model {s.Output}");
    }
}
