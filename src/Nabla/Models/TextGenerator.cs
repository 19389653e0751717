using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// Samples new lines from a character-level language model (trained on a <see cref="TextCorpus"/>): starting from
/// the boundary token and an optional prefix, each next character is drawn from softmax(logits / temperature) at the
/// last position, until the model predicts the end of the line or the longest line it was trained on is reached.
/// </summary>
/// <remarks>
/// The model takes whole sequences of its input length; since every layer is causal (the output at step t depends on
/// the inputs up to t only), the batch of lines is run again for each new position and the logits of that position
/// read — simple, and at a few dozen positions cheap enough. Seeded: the same seed draws the same lines.
/// </remarks>
public sealed class TextGenerator
{
    /// <summary>How many lines are drawn in one batch through the model (later ones in further batches, from the same
    /// draws), so that the activations stay small for any count.</summary>
    public const int ChunkLines = 1024;

    private readonly Sequential _model;
    private readonly IReadOnlyList<string> _vocabulary;
    private readonly Dictionary<char, int> _ids;

    /// <summary>A generator for <paramref name="model"/>, whose output at every step is a distribution over
    /// <paramref name="vocabulary"/> (a <see cref="TextCorpus"/> vocabulary, as saved in the model file's class names).</summary>
    /// <exception cref="ArgumentException">The model does not map [steps] token ids to [steps, vocabulary] logits.</exception>
    public TextGenerator(Sequential model, IReadOnlyList<string> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (model.InputShape.Rank != 1 || model.OutputShape.Rank != 2 || model.OutputShape[0] != model.InputShape[0]
            || model.OutputShape[1] != vocabulary.Count || vocabulary.Count < 2 || vocabulary[0] != TextCorpus.Boundary)
        {
            throw new ArgumentException($"The model maps {model.InputShape} to {model.OutputShape}; a text model maps [steps] token ids to [steps, {vocabulary.Count}] logits over its vocabulary (train it with --task text).");
        }

        if (model.Layers[0] is Embedding { Vocabulary: int ids } && ids < vocabulary.Count)
        {
            throw new ArgumentException($"The model's embedding takes {ids} token ids but the vocabulary has {vocabulary.Count}: generated ids would not fit.");
        }

        (_model, _vocabulary, _ids) = (model, vocabulary, TextCorpus.IdsOf(vocabulary));
    }

    /// <summary>The longest line the model can produce: its input length − 1.</summary>
    public int MaxLength => _model.InputShape[0] - 1;

    /// <summary>Checks that <paramref name="prefix"/> can start a line: known characters, shorter than <see cref="MaxLength"/>.</summary>
    /// <exception cref="ArgumentException">The first unknown character (and the known ones), or a prefix that is too long.</exception>
    public void CheckPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        foreach (char c in prefix)
        {
            if (!_ids.ContainsKey(c))
            {
                string known = Printable(string.Concat(_vocabulary.Skip(1)));
                throw new ArgumentException($"the character {(Printable(c.ToString()) == c.ToString() ? $"'{c}' " : "")}(U+{(int)c:X4}) never appeared in the training text (it had: {(known.Length > 80 ? known[..80] + "…" : known)}).");
            }
        }

        if (prefix.Length >= MaxLength)
        {
            throw new ArgumentException($"the prefix has {prefix.Length} characters; the model's longest line is {MaxLength} (its training text's longest), so it must be shorter.");
        }
    }

    /// <summary><paramref name="text"/> with its control characters (other than tab) and lone surrogates written as
    /// \uXXXX, so that it shows on one line of a terminal.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var shown = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (pair)
            {
                shown.Append(c).Append(text[++i]);
            }
            else if ((char.IsControl(c) && c != '\t') || char.IsSurrogate(c))
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                shown.Append(c);
            }
        }

        return shown.ToString();
    }

    /// <summary>Draws <paramref name="count"/> lines that start with <paramref name="prefix"/> (included), each at most
    /// <see cref="MaxLength"/> characters long.</summary>
    /// <param name="count">Lines to draw.</param>
    /// <param name="temperature">Divides the logits: below 1 sharpens the distribution, above 1 flattens it.</param>
    /// <param name="prefix">The start of every line.</param>
    /// <param name="seed">Seed of the draws.</param>
    public IReadOnlyList<string> Sample(int count, float temperature, string prefix = "", int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(temperature > 0 && float.IsFinite(temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), "The temperature must be a positive number.");
        }

        CheckPrefix(prefix);
        var random = new Random(seed);
        var lines = new List<string>(count);
        for (int first = 0; first < count; first += ChunkLines)
        {
            SampleChunk(Math.Min(ChunkLines, count - first), temperature, prefix, random, lines);
        }

        return lines;
    }

    private void SampleChunk(int count, float temperature, string prefix, Random random, List<string> output)
    {
        int steps = _model.InputShape[0], classes = _vocabulary.Count;
        var inputs = new Tensor(count, steps);
        var lines = new StringBuilder[count];
        var done = new bool[count];
        for (int row = 0; row < count; row++)
        {
            lines[row] = new StringBuilder(prefix);
            for (int c = 0; c < prefix.Length; c++)
            {
                inputs[row, c + 1] = _ids[prefix[c]];
            }
        }

        double[] probabilities = new double[classes];
        int active = count;
        // The output at `position` saw the boundary and the `position` characters so far: it predicts the next one. At
        // the last position a line has the longest length seen in training, and ends.
        for (int position = prefix.Length; position < steps - 1 && active > 0; position++)
        {
            Tensor logits = _model.Forward(inputs, ForwardContext.Inference);
            for (int row = 0; row < count; row++)
            {
                if (done[row])
                {
                    continue;
                }

                int next = Draw(logits.Span.Slice((row * steps + position) * classes, classes), temperature, probabilities, random);
                if (next == 0)
                {
                    done[row] = true;
                    active--;
                    continue;
                }

                lines[row].Append(_vocabulary[next]);
                inputs[row, position + 1] = next;
            }
        }

        output.AddRange(lines.Select(l => l.ToString()));
    }

    /// <summary>An id drawn from softmax(logits / temperature), in double.</summary>
    private static int Draw(ReadOnlySpan<float> logits, float temperature, double[] probabilities, Random random)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits)
        {
            max = Math.Max(max, z);
        }

        double total = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            probabilities[j] = Math.Exp((logits[j] - max) / temperature);
            total += probabilities[j];
        }

        double u = random.NextDouble() * total;
        for (int j = 0; j < logits.Length; j++)
        {
            u -= probabilities[j];
            if (u < 0)
            {
                return j;
            }
        }

        return logits.Length - 1;
    }
}
