using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>
/// A text file of lines (words, names, sentences) as a character-level language-modelling task: each line is a
/// sequence of characters, and a model learns to predict every next character, the end of the line included.
/// </summary>
/// <remarks>
/// <para>The vocabulary is token 0, the line boundary (written "\n": it starts every input and ends every target),
/// then the file's distinct characters (UTF-16 code units) in ordinal order; it is stored in the model file as the
/// class names, so generation needs nothing but the model.</para>
/// <para>A line c₀…c_{L−1} becomes one sample of <see cref="Steps"/> = (longest line + 1) positions: inputs
/// [boundary, c₀, …, c_{L−1}, boundary…] and targets [c₀, …, c_{L−1}, boundary, −1…], so the output at step t, which
/// sees only the inputs up to t, predicts c_t and finally the end; −1 marks the padding the loss leaves out. Empty
/// lines are skipped.</para>
/// </remarks>
public sealed class TextCorpus
{
    /// <summary>The line boundary's token: id 0, the first entry of every vocabulary.</summary>
    public const string Boundary = "\n";

    /// <summary>The longest line taken (characters); longer ones are refused naming their line.</summary>
    public const int MaxLineLength = 511;

    private static readonly string[] s_lineEnds = ["\r\n", "\n", "\r"];

    private readonly Dictionary<char, int> _ids;

    private TextCorpus(string path, IReadOnlyList<string> lines, IReadOnlyList<string> vocabulary, int steps)
    {
        (Path, Lines, Vocabulary, Steps) = (path, lines, vocabulary, steps);
        _ids = IdsOf(vocabulary);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The non-empty lines, in file order.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>Token strings by id: <see cref="Boundary"/>, then the characters.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>Positions per sample: the longest line's length + 1.</summary>
    public int Steps { get; }

    /// <summary>Reads <paramref name="path"/>: UTF-8 text (a UTF-8 or UTF-16 byte-order mark is honoured), lines ended by
    /// \n, \r\n or \r.</summary>
    /// <exception cref="DataFormatException">The file cannot be read, is not text (a zero byte, bytes that are not
    /// UTF-8, control characters other than tab, characters beyond U+FFFF), has no non-empty line, or a line longer
    /// than <see cref="MaxLineLength"/>; the message names the file and the line.</exception>
    public static TextCorpus Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the text file ({ex.Message}).", ex);
        }

        string[] all = Decode(path, bytes).Split(s_lineEnds, StringSplitOptions.None);
        var lines = new List<string>(all.Length);
        for (int i = 0; i < all.Length; i++)
        {
            string line = all[i];
            if (line.Length > MaxLineLength)
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: line {i + 1} has {line.Length} characters; at most {MaxLineLength} per line are supported (split long lines)."));
            }

            for (int k = 0; k < line.Length; k++)
            {
                char c = line[k];
                if (char.IsSurrogate(c))
                {
                    int code = char.IsSurrogatePair(line, k) ? char.ConvertToUtf32(line, k) : c;
                    throw new DataFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: line {i + 1} has U+{code:X4}, beyond U+FFFF (an emoji or a rare script): the character model takes one UTF-16 unit per character; remove such characters."));
                }

                if (char.IsControl(c) && c != '\t')
                {
                    throw new DataFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: line {i + 1} has the control character U+{(int)c:X4}: a text file of lines holds printable characters and tabs (is it a binary file?)."));
                }
            }

            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        if (lines.Count == 0)
        {
            throw new DataFormatException($"{path}: the text file is empty (no line with any character): nothing to learn.");
        }

        var characters = new SortedSet<char>(lines.SelectMany(l => l), Comparer<char>.Create((a, b) => a.CompareTo(b)));
        string[] vocabulary = [Boundary, .. characters.Select(c => c.ToString())];
        return new TextCorpus(path, lines, vocabulary, lines.Max(l => l.Length) + 1);
    }

    /// <summary>The file's text: UTF-16 after its byte-order mark, else strict UTF-8 (after a byte-order mark, if any).</summary>
    private static string Decode(string path, byte[] bytes)
    {
        if (bytes.Length >= 2 && (bytes[0], bytes[1]) is (0xFF, 0xFE) or (0xFE, 0xFF))
        {
            try
            {
                return new UnicodeEncoding(bigEndian: bytes[0] == 0xFE, byteOrderMark: false, throwOnInvalidBytes: true).GetString(bytes, 2, bytes.Length - 2);
            }
            catch (ArgumentException ex)
            {
                throw new DataFormatException($"{path}: begins with a UTF-16 byte-order mark but is not UTF-16 text.", ex);
            }
        }

        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        ReadOnlySpan<byte> body = bytes.AsSpan(start);
        int zero = body.IndexOf((byte)0);
        if (zero >= 0)
        {
            throw new DataFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: not a text file (byte {start + zero} is zero, as in binary data, on line {LineOf(body[..zero])}); --task text reads UTF-8 text, one sequence per line."));
        }

        var text = new char[body.Length];
        if (Utf8.ToUtf16(body, text, out int read, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw new DataFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: line {LineOf(body[..read])} is not UTF-8 text (byte {start + read} is 0x{body[read]:X2}); save the file as UTF-8."));
        }

        return new string(text, 0, written);
    }

    private static int LineOf(ReadOnlySpan<byte> before) => before.Count((byte)'\n') + 1;

    /// <summary>The id of each token string of <paramref name="vocabulary"/> (one character each, after the boundary).</summary>
    public static Dictionary<char, int> IdsOf(IReadOnlyList<string> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var ids = new Dictionary<char, int>();
        for (int id = 1; id < vocabulary.Count; id++)
        {
            ids[vocabulary[id][0]] = id;
        }

        return ids;
    }

    /// <summary>The lines at <paramref name="indices"/> as samples of <see cref="Steps"/> positions (see the remarks).</summary>
    public Dataset Encode(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var inputs = new Tensor(indices.Count, Steps);
        var targets = new Tensor(indices.Count, Steps);
        Span<float> x = inputs.Span, y = targets.Span;
        y.Fill(-1f);
        for (int i = 0; i < indices.Count; i++)
        {
            string line = Lines[indices[i]];
            int row = i * Steps;
            x[row] = 0f;
            for (int c = 0; c < line.Length; c++)
            {
                float id = _ids[line[c]];
                x[row + c + 1] = id;
                y[row + c] = id;
            }

            y[row + line.Length] = 0f;
        }

        return Dataset.TokenSequences(inputs, targets, Vocabulary.Count);
    }
}
