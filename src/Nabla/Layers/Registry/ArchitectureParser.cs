using System.Text;

namespace Nabla.Layers;

/// <summary>A layer stack written as text, <c>conv2d(32, 3, padding=same) relu maxpool(2) flatten dropout(0.5)</c>,
/// turned into unbuilt layers through the <see cref="LayerRegistry"/>: layers separated by spaces, each <c>name</c> or
/// <c>name(arguments)</c>, positional arguments first, then <c>key=value</c>; a pair is written <c>(3, 5)</c>.</summary>
public static class ArchitectureParser
{
    /// <summary>One layer call as written: its kind, arguments and where it starts in the text.</summary>
    /// <param name="Type">The layer kind.</param>
    /// <param name="Arguments">Its checked settings.</param>
    /// <param name="Column">1-based column of the call's name.</param>
    /// <param name="Text">The call as written.</param>
    public sealed record LayerCall(LayerType Type, LayerArguments Arguments, int Column, string Text)
    {
        /// <summary>A new, unbuilt layer for this call.</summary>
        public Layer Create() => Type.Create(Arguments);
    }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">A syntax error, an unknown layer or a bad argument; the message gives the
    /// column and the offending token.</exception>
    public static IReadOnlyList<LayerCall> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var calls = new List<LayerCall>();
        int i = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ','))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            int start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-'))
            {
                i++;
            }

            if (i == start)
            {
                throw Error(text, start, $"expected a layer name, found '{text[start]}'");
            }

            string name = text[start..i];
            LayerType type = LayerRegistry.Find(name)
                ?? throw Error(text, start, $"unknown layer '{name}' (layers: {string.Join(", ", LayerRegistry.Types.Select(t => t.Name))})");
            var positional = new List<string>();
            var keywords = new List<KeyValuePair<string, string>>();
            if (i < text.Length && text[i] == '(')
            {
                i = ReadArguments(text, i + 1, positional, keywords);
            }

            try
            {
                calls.Add(new LayerCall(type, LayerArguments.FromCall(type, positional, keywords), start + 1, text[start..i]));
            }
            catch (ArgumentException ex)
            {
                throw Error(text, start, ex.Message);
            }
        }

        if (calls.Count == 0)
        {
            throw new FormatException("the architecture is empty (e.g. \"conv2d(32, 3) relu maxpool(2) flatten\").");
        }

        return calls;
    }

    /// <summary>Reads "a, b, key=value)" from <paramref name="i"/>; returns the index after ')'.</summary>
    private static int ReadArguments(string text, int i, List<string> positional, List<KeyValuePair<string, string>> keywords)
    {
        int open = i - 1;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                throw Error(text, open, "'(' is never closed");
            }

            if (text[i] == ')' && positional.Count == 0 && keywords.Count == 0)
            {
                return i + 1;
            }

            int start = i;
            var value = new StringBuilder();
            string? key = null;
            int depth = 0;
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (depth == 0 && (c == ',' || c == ')'))
                {
                    break;
                }

                if (c == '=' && depth == 0 && key is null)
                {
                    key = value.ToString().Trim();
                    value.Clear();
                    continue;
                }

                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                value.Append(c);
            }

            if (i >= text.Length)
            {
                throw Error(text, open, "'(' is never closed");
            }

            string argument = value.ToString().Trim();
            if (argument.Length == 0 || key is { Length: 0 })
            {
                throw Error(text, start, "an empty argument");
            }

            if (key is not null)
            {
                keywords.Add(new(key, argument));
            }
            else if (keywords.Count > 0)
            {
                throw Error(text, start, $"positional argument '{argument}' after a keyword argument");
            }
            else
            {
                positional.Add(argument);
            }

            if (text[i++] == ')')
            {
                return i;
            }
        }
    }

    private static FormatException Error(string text, int index, string problem) =>
        new($"at column {index + 1} ('{Excerpt(text, index)}'): {problem}.".Replace("..", ".", StringComparison.Ordinal));

    private static string Excerpt(string text, int index)
    {
        int end = index;
        while (end < text.Length && !char.IsWhiteSpace(text[end]) && end - index < 24)
        {
            end++;
        }

        return text[index..Math.Max(end, Math.Min(index + 1, text.Length))];
    }
}
