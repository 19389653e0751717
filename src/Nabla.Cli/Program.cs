using Nabla.Cli;

// Ctrl+C asks training to stop after the current batch (the model trained so far is still saved), a search to stop
// with the candidates finished so far, and nabla serve to shut down; the command itself says so, in one line, once it
// has stopped (a line written from here would land in the middle of the live progress line). A second Ctrl+C, or
// Ctrl+C in any other command, ends the process at once.
using var cancellation = new CancellationTokenSource();
bool graceful = args.Length > 0 && args[0] is "train" or "search" or "serve";
Console.CancelKeyPress += (_, e) =>
{
    if (graceful && !cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

return NablaCli.Run(args, new CliConsole(Console.Out, Console.Error, Interactive: !Console.IsOutputRedirected), cancellation.Token);
