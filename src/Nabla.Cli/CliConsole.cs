namespace Nabla.Cli;

/// <summary>Where the CLI writes: standard output for results, standard error for progress and errors.</summary>
/// <param name="Out">Results (and the JSON object with --json).</param>
/// <param name="Error">Errors, and progress lines when not interactive.</param>
/// <param name="Interactive">Whether output is a terminal (progress bars allowed).</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>The terminal that live progress is drawn on when <see cref="Interactive"/> (default: Spectre.Console's
    /// console on standard output, which knows the terminal's width); tests give one of a fixed width.</summary>
    public Spectre.Console.IAnsiConsole? Terminal { get; init; }
}

/// <summary>Bad input from the user: printed as one line, exit code 2.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UsageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public UsageException()
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
