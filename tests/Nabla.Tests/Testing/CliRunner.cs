using Nabla.Cli;

namespace Nabla.Tests.Testing;

/// <summary>Runs the nabla command in process and captures what it prints.</summary>
internal static class CliRunner
{
    /// <summary>The exit code, standard output and standard error of <c>nabla args…</c> (not a terminal).</summary>
    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NablaCli.Run(args, new CliConsole(output, error, Interactive: false));
        return (code, output.ToString(), error.ToString());
    }
}
