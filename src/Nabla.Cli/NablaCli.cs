using System.CommandLine;
using Nabla.Cli.Commands;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>The <c>nabla</c> command: parses arguments, runs one subcommand, maps failures to one line and an exit code.</summary>
public static class NablaCli
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;

    /// <summary>Exit code when training diverged or an unexpected error happened.</summary>
    public const int Failure = 1;

    /// <summary>Exit code for bad input: options, files, shapes.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code when Ctrl+C stopped the command (the shell's 128 + SIGINT); what was trained is still saved.</summary>
    public const int Interrupted = 130;

    /// <summary>The command's name in usage text and messages (the tool's command name).</summary>
    public const string CommandName = "nabla";

    /// <summary>Runs the command line <paramref name="args"/> and returns the exit code.</summary>
    public static int Run(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        // A plain command named nabla, not a RootCommand: that one takes its name from the executable, and the tool's
        // executable is Nabla.Cli.dll, so usage and errors said "Nabla.Cli".
        var root = new Command(CommandName, "Nabla: train, evaluate and use neural networks, from scratch in C#.")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        root.Add(TrainCommand.Create(console, cancellationToken));
        root.Add(EvaluateCommand.Create(console));
        root.Add(PredictCommand.Create(console));
        root.Add(SummaryCommand.Create(console));
        root.Add(ReportCommand.Create(console));
        root.Add(ExportCommand.Create(console));
        root.Add(ExplainCommand.Create(console));
        root.Add(WeightsCommand.Create(console));
        root.Add(CompareCommand.Create(console));
        root.Add(ServeCommand.Create(console, cancellationToken));
        root.Add(GenerateCommand.Create(console));

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string command = parse.CommandResult.Command.Name;
            console.Error.WriteLine($"nabla: error: {string.Join("; ", parse.Errors.Select(e => Readable(e.Message)))} (see 'nabla {(command == root.Name ? "" : command + " ")}--help')");
            return BadInput;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is UsageException or DataFormatException or ModelFormatException or ShapeMismatchException
            or Onnx.OnnxExportException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or ArgumentException)
        {
            console.Error.WriteLine($"nabla: error: {ex.Message}");
            return BadInput;
        }
        catch (TrainingDivergedException ex)
        {
            console.Error.WriteLine($"nabla: training stopped: {ex.Message} No model was written.");
            return Failure;
        }
        catch (IOException ex)
        {
            console.Error.WriteLine($"nabla: error: {ex.Message}");
            return BadInput;
        }
    }

    /// <summary>System.CommandLine's "Cannot parse argument 'x' for option '--window' as expected type
    /// 'System.Nullable`1[System.Int32]'" in the user's words: "… as a whole number".</summary>
    private static string Readable(string message) => message
        .Replace("as expected type 'System.Nullable`1[System.Int32]'", "as a whole number", StringComparison.Ordinal)
        .Replace("as expected type 'System.Int32'", "as a whole number", StringComparison.Ordinal)
        .Replace("as expected type 'System.Nullable`1[System.Double]'", "as a number", StringComparison.Ordinal)
        .Replace("as expected type 'System.Double'", "as a number", StringComparison.Ordinal)
        .Replace("as expected type 'System.Single'", "as a number", StringComparison.Ordinal);
}
