using Nabla.Data;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>A character-level model trained through the library: it learns a tiny language, its bits per character
/// agree with its loss, and the generator samples from it reproducibly.</summary>
public sealed class TextModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-text-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (TextCorpus Corpus, Sequential Model, Dataset Data) Train(string[] lines, int epochs)
    {
        string path = Path.Combine(_folder, "words.txt");
        File.WriteAllLines(path, lines);
        TextCorpus corpus = TextCorpus.Load(path);
        Dataset data = corpus.Encode(Enumerable.Range(0, corpus.Lines.Count).ToArray());
        var recipe = new TrainingRecipe { Architecture = "embedding(8) gru(24, return_sequences=true)", Epochs = epochs, BatchSize = 16, LearningRate = 0.02f, Seed = 1 };
        TrainingSession session = recipe.CreateSession(data);
        session.Run(data);
        return (corpus, session.Model, data);
    }

    [Fact]
    public void A_gru_learns_words_that_repeat_a_syllable_which_a_bigram_cannot()
    {
        // "kokoko", "tatata", …: after the first syllable everything is determined, but a bigram only sees one letter back.
        string[] syllables = ["ko", "ta", "mi", "ru", "se"];
        var random = new Random(4);
        string[] lines = Enumerable.Range(0, 200).Select(_ => string.Concat(Enumerable.Repeat(syllables[random.Next(5)], 2 + random.Next(3)))).ToArray();
        var (corpus, model, data) = Train(lines, epochs: 25);

        var (bits, tokens) = LanguageModelMetrics.Evaluate(model, data);
        double bigram = BigramBaseline.Fit(lines, corpus.Vocabulary).Evaluate(lines).BitsPerToken;
        Assert.Equal(lines.Sum(l => l.Length + 1), tokens);
        Assert.True(bits < 0.7 * bigram, $"{bits} bits per character against the bigram's {bigram}");

        // the mean loss over the same positions, in nats
        EvaluationResult result = Evaluator.Evaluate(model, new Nabla.Losses.SparseSoftmaxCrossEntropy(), data, batchSize: data.Count);
        Assert.Equal(bits * Math.Log(2), result.Loss, 4);

        var generator = new TextGenerator(model, corpus.Vocabulary);
        IReadOnlyList<string> samples = generator.Sample(20, 0.5f, "mi", seed: 3);
        Assert.All(samples, s => Assert.StartsWith("mi", s));
        Assert.True(samples.Count(s => s is "mimi" or "mimimi" or "mimimimi") >= 15, string.Join(" ", samples));
        Assert.Equal(samples, generator.Sample(20, 0.5f, "mi", seed: 3));
        Assert.NotEqual(generator.Sample(20, 2f, "", seed: 3), generator.Sample(20, 2f, "", seed: 4));
        Assert.All(generator.Sample(50, 5f, "", seed: 5), s => Assert.True(s.Length <= generator.MaxLength));
    }

    [Fact]
    public void The_generator_refuses_unknown_characters_and_too_long_prefixes()
    {
        var (corpus, model, _) = Train(["ab", "ba", "abab"], epochs: 1);
        var generator = new TextGenerator(model, corpus.Vocabulary);
        Assert.Contains("'c'", Assert.Throws<ArgumentException>(() => generator.CheckPrefix("abc")).Message);
        Assert.Contains("shorter", Assert.Throws<ArgumentException>(() => generator.CheckPrefix("abab")).Message);
        string newline = Assert.Throws<ArgumentException>(() => generator.CheckPrefix("a\nb")).Message;
        Assert.Contains("the character (U+000A) never appeared", newline);
        Assert.DoesNotContain('\n', newline);
        Assert.Equal("a\\u000Ab\t\\u001B", TextGenerator.Printable("a\nb\t\u001B"));
    }

    [Fact]
    public void Many_lines_are_drawn_in_batches_that_continue_the_same_draws()
    {
        var (corpus, model, _) = Train(["ab", "ba", "abab", "bab"], epochs: 1);
        var generator = new TextGenerator(model, corpus.Vocabulary);
        IReadOnlyList<string> many = generator.Sample(TextGenerator.ChunkLines + 7, 1.5f, "", seed: 6);
        Assert.Equal(TextGenerator.ChunkLines + 7, many.Count);
        Assert.Equal(generator.Sample(TextGenerator.ChunkLines, 1.5f, "", seed: 6), many.Take(TextGenerator.ChunkLines));
        Assert.Contains(many.Skip(TextGenerator.ChunkLines), line => line.Length > 0);
    }
}
