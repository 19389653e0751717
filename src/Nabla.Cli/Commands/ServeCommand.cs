using System.CommandLine;
using System.Globalization;
using System.Net;
using Nabla.Cli.Serve;
using Nabla.Data;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla serve</c>: a saved model behind a web page and a JSON API, until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console, CancellationToken cancellationToken)
    {
        var modelPath = new Option<string>("--model") { Description = "The model file.", Required = true };
        var port = new Option<int>("--port") { Description = "The TCP port (0: any free port, printed at start).", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "The address to listen on: 127.0.0.1 (loopback, the default: only this machine), ::1, localhost, or another address of this machine to let other machines in (say so explicitly, e.g. --host 0.0.0.0).", DefaultValueFactory = _ => "127.0.0.1" };
        var workers = new Option<int>("--workers") { Description = "Copies of the model, so that this many requests are predicted at once (default: the processor count, at most 8).", DefaultValueFactory = _ => Math.Clamp(Environment.ProcessorCount, 1, 8) };
        var command = new Command("serve", "Serve a model: a page to draw a digit or upload a photo (or a form for a tabular model), and POST /predict, GET /model, GET /health.") { modelPath, port, host, workers };
        command.SetAction(parse =>
        {
            int portNumber = parse.GetValue(port);
            if (portNumber is < 0 or > 65535)
            {
                throw new UsageException($"--port must be from 0 to 65535, got {portNumber}.");
            }

            int copies = parse.GetValue(workers);
            if (copies is < 1 or > 64)
            {
                throw new UsageException($"--workers must be from 1 to 64, got {copies}.");
            }

            string hostName = parse.GetValue(host)!;
            IPAddress address = hostName.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
                : IPAddress.TryParse(hostName, out IPAddress? parsed) ? parsed
                : throw new UsageException($"--host must be an IP address of this machine or localhost, got '{hostName}'.");
            string path = parse.GetValue(modelPath)!;
            using var pool = new ModelPool(path, copies);
            if (pool.Metadata.Forecast is not null || pool.Metadata.Task == TaskKind.Text)
            {
                throw new UsageException(pool.Metadata.Forecast is not null
                    ? $"{path} is a forecasting model, and nabla serve serves models that predict samples: forecast after the end of a series with nabla predict --model {path} --input FILE.csv."
                    : $"{path} is a language model, and nabla serve serves models that predict samples: sample lines from it with nabla generate --model {path}.");
            }

            PredictionServer server = PredictionServer.StartAsync(pool, Path.GetFileName(path), address, portNumber, console.Error).GetAwaiter().GetResult();
            try
            {
                string kind = pool.Metadata.FeatureNames is null ? "draw a digit or upload a photo" : "fill in the form";
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Serving {path} at {server.Address} ({kind}; POST /predict, GET /model, GET /health; {copies} worker{(copies == 1 ? "" : "s")}). Ctrl+C stops."));
                if (!IPAddress.IsLoopback(address))
                {
                    console.Error.WriteLine($"nabla: warning: listening on {address}, not loopback: other machines that can reach this one can use the model.");
                }

                console.Out.Flush();
                // Ctrl+C (the token), or SIGTERM (the server stops itself).
                WaitHandle.WaitAny([cancellationToken.WaitHandle, server.Stopping.WaitHandle]);
                console.Out.WriteLine("Stopped serving.");
            }
            finally
            {
                server.StopAsync().GetAwaiter().GetResult();
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return NablaCli.Success;
        });
        return command;
    }
}
