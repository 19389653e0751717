using Nabla.Cli;

// Ctrl+C asks training to stop after the current batch; the model trained so far is still saved.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
        Console.Error.WriteLine("nabla: stopping after the current batch (Ctrl+C again to abort)...");
    }
};

return NablaCli.Run(args, new CliConsole(Console.Out, Console.Error, Interactive: !Console.IsOutputRedirected), cancellation.Token);
