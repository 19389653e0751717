using System.Text.RegularExpressions;
using Nabla.Cli;

namespace Nabla.Tests.Testing;

/// <summary><c>nabla serve</c> running in process on a free loopback port (port 0), until disposed (which is Ctrl+C).</summary>
internal sealed partial class ServerRunner : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();
    private int _code = -1;

    public ServerRunner(params string[] args)
    {
        TextWriter output = TextWriter.Synchronized(_out), error = TextWriter.Synchronized(_error);
        _thread = new Thread(() => _code = NablaCli.Run(["serve", .. args, "--port", "0"], new CliConsole(output, error, Interactive: false), _stop.Token))
        {
            IsBackground = true,
            Name = "nabla serve under test",
        };
        _thread.Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Address is null)
        {
            Match match = UrlPattern().Match(Output);
            if (match.Success)
            {
                Address = new Uri(match.Value);
                break;
            }

            if (!_thread.IsAlive || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"nabla serve did not start (exit {_code}): {Output} {Error}");
            }

            Thread.Sleep(20);
        }

        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Address { get; }

    public HttpClient Client { get; }

    public string Output => _out.ToString();

    public string Error => _error.ToString();

    /// <summary>Stops the server (as Ctrl+C does) and returns the command's exit code.</summary>
    public int Stop()
    {
        _stop.Cancel();
        return _thread.Join(TimeSpan.FromSeconds(30)) ? _code : throw new InvalidOperationException("nabla serve did not stop in 30 s");
    }

    public void Dispose()
    {
        Client.Dispose();
        if (_thread.IsAlive)
        {
            Stop();
        }

        _stop.Dispose();
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex UrlPattern();
}
