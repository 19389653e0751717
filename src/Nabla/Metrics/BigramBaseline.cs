using Nabla.Data;

namespace Nabla.Metrics;

/// <summary>
/// The baseline a character-level language model must beat: P(next | previous character) from counts over the training
/// lines, add-one (Laplace) smoothed over the vocabulary, P(b | a) = (count(a, b) + 1) / (count(a) + V). Each line is
/// scored as the model is: from the boundary to its first character, …, from its last character to the boundary.
/// </summary>
public sealed class BigramBaseline
{
    private readonly double[] _counts;
    private readonly double[] _totals;
    private readonly Dictionary<char, int> _ids;
    private readonly int _vocabulary;

    private BigramBaseline(int vocabulary, Dictionary<char, int> ids)
    {
        (_vocabulary, _ids) = (vocabulary, ids);
        _counts = new double[vocabulary * vocabulary];
        _totals = new double[vocabulary];
    }

    /// <summary>Counts the character pairs of <paramref name="lines"/> over <paramref name="vocabulary"/> (a
    /// <see cref="TextCorpus"/> vocabulary: the boundary, then one character per entry).</summary>
    public static BigramBaseline Fit(IEnumerable<string> lines, IReadOnlyList<string> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var model = new BigramBaseline(vocabulary.Count, TextCorpus.IdsOf(vocabulary));
        foreach (string line in lines)
        {
            int previous = 0;
            foreach (int next in model.Tokens(line))
            {
                model._counts[previous * model._vocabulary + next]++;
                model._totals[previous]++;
                previous = next;
            }
        }

        return model;
    }

    /// <summary>Mean −log₂ P over every predicted token of <paramref name="lines"/> (each character and each line's
    /// end), and how many there were.</summary>
    public (double BitsPerToken, long Tokens) Evaluate(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        double bits = 0;
        long tokens = 0;
        foreach (string line in lines)
        {
            int previous = 0;
            foreach (int next in Tokens(line))
            {
                bits -= Math.Log2((_counts[previous * _vocabulary + next] + 1) / (_totals[previous] + _vocabulary));
                tokens++;
                previous = next;
            }
        }

        return (tokens == 0 ? double.NaN : bits / tokens, tokens);
    }

    /// <summary>The ids a line is predicted as: its characters, then the boundary.</summary>
    private IEnumerable<int> Tokens(string line)
    {
        foreach (char c in line)
        {
            yield return _ids.TryGetValue(c, out int id) ? id : throw new ArgumentException($"The character '{c}' is not in the vocabulary.");
        }

        yield return 0;
    }
}
