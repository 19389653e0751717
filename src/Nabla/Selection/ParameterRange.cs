using System.Globalization;

namespace Nabla.Selection;

/// <summary>
/// A range a random search draws a setting from: <c>low..high</c> uniformly, or <c>low..high:log</c> log-uniformly
/// (scikit-learn's <c>loguniform</c>, for learning rates and penalties); whole numbers at both ends draw whole numbers.
/// </summary>
public sealed record ParameterRange
{
    /// <summary>Creates a range.</summary>
    /// <exception cref="ArgumentException">The ends are not finite, low ≥ high, or a log range does not start above 0.</exception>
    public ParameterRange(double low, double high, bool logarithmic, bool integer)
    {
        if (!(double.IsFinite(low) && double.IsFinite(high) && low < high))
        {
            throw new ArgumentException($"a range needs finite ends with low < high, got {F(low)}..{F(high)}.");
        }

        if (logarithmic && !(low > 0))
        {
            throw new ArgumentException($"a :log range needs ends above 0, got {F(low)}..{F(high)}.");
        }

        (Low, High, Logarithmic, Integer) = (low, high, logarithmic, integer);
    }

    /// <summary>The smallest value.</summary>
    public double Low { get; }

    /// <summary>The largest value.</summary>
    public double High { get; }

    /// <summary>Whether the logarithm is drawn uniformly.</summary>
    public bool Logarithmic { get; }

    /// <summary>Whether whole numbers are drawn (both ends were written as whole numbers).</summary>
    public bool Integer { get; }

    /// <summary>Parses <c>low..high</c> or <c>low..high:log</c>; null when <paramref name="text"/> is not a range.</summary>
    /// <exception cref="ArgumentException">It looks like a range but its ends are not numbers or out of order.</exception>
    public static ParameterRange? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots <= 0)
        {
            return null;
        }

        string rest = text[(dots + 2)..];
        bool log = rest.EndsWith(":log", StringComparison.OrdinalIgnoreCase);
        string lowText = text[..dots].Trim(), highText = (log ? rest[..^4] : rest).Trim();
        if (!double.TryParse(lowText, NumberStyles.Float, CultureInfo.InvariantCulture, out double low)
            || !double.TryParse(highText, NumberStyles.Float, CultureInfo.InvariantCulture, out double high))
        {
            throw new ArgumentException($"'{text}' is not a range low..high (or low..high:log) of numbers.");
        }

        bool integer = IsWhole(lowText) && IsWhole(highText);
        return new ParameterRange(low, high, log, integer);
    }

    /// <summary>One draw, as option text (whole numbers, or 4 significant digits).</summary>
    public string Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u = random.NextDouble();
        double value = Logarithmic ? Math.Exp(Math.Log(Low) + u * (Math.Log(High) - Math.Log(Low))) : Low + u * (High - Low);
        if (Integer)
        {
            long whole = Logarithmic ? (long)Math.Round(value) : (long)Math.Floor(Low + u * (High - Low + 1));
            return Math.Clamp(whole, (long)Low, (long)High).ToString(CultureInfo.InvariantCulture);
        }

        return value.ToString("G4", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{F(Low)}..{F(High)}{(Logarithmic ? ":log" : "")}";

    private static bool IsWhole(string text) => text.Length > 0 && text.TrimStart('-', '+').All(char.IsAsciiDigit);

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);
}
