using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Nabla.Cli;

namespace Nabla.RealWorld;

/// <summary>The figures of one load test.</summary>
public sealed record LoadResult(int Clients, int Requests, int Errors, double Seconds, double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

/// <summary>
/// A load test of <c>nabla serve</c> on loopback only: the server started in this process on a free 127.0.0.1 port
/// (or one already running at a loopback URL), N concurrent clients each posting photo-like digit pictures to
/// <c>POST /predict</c> one after another, until the request count or the time limit is reached (both bounded). Any
/// status but 200, or a body without a prediction, is an error.
/// </summary>
public static partial class LoadTest
{
    public const int MaxClients = 64;
    public const int MaxRequests = 100_000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(5);

    /// <summary>Runs the test against a server started here for <paramref name="model"/> with
    /// <paramref name="workers"/> model copies.</summary>
    public static LoadResult RunLocal(string model, int workers, IReadOnlyList<DigitPhoto> photos, int clients, int requests, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        TextWriter synchronized = TextWriter.Synchronized(output);
        var server = new Thread(() => NablaCli.Run(["serve", "--model", model, "--port", "0", "--workers", workers.ToString(CultureInfo.InvariantCulture)],
            new CliConsole(synchronized, synchronized, Interactive: false), stop.Token)) { IsBackground = true };
        server.Start();
        var watch = Stopwatch.StartNew();
        Match url;
        while (!(url = Url().Match(output.ToString())).Success)
        {
            if (!server.IsAlive || watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"nabla serve did not start: {output}");
            }

            Thread.Sleep(20);
        }

        try
        {
            return Run(new Uri(url.Value), photos, clients, requests, duration);
        }
        finally
        {
            stop.Cancel();
            server.Join(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Runs the test against a server at <paramref name="address"/>, which must be a loopback address.</summary>
    public static LoadResult Run(Uri address, IReadOnlyList<DigitPhoto> photos, int clients, int requests, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(photos);
        if (!(address.IsLoopback || IPAddress.TryParse(address.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip)))
        {
            throw new ArgumentException($"{address}: the load test sends traffic to loopback addresses only.");
        }

        clients = Math.Clamp(clients, 1, MaxClients);
        requests = Math.Clamp(requests, 1, MaxRequests);
        duration = duration > MaxDuration ? MaxDuration : duration;
        var bodies = photos.Select(p => (File.ReadAllBytes(p.Path), p.Path.EndsWith(".jpg", StringComparison.Ordinal) ? "image/jpeg" : "image/png")).ToArray();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

        // One request per picture first, so that the server is warm and every picture is known to be accepted.
        foreach (var (bytes, type) in bodies.Take(Math.Min(bodies.Length, 10)))
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            http.PostAsync("predict", content).GetAwaiter().GetResult().Dispose();
        }

        int issued = 0, errors = 0;
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        Task[] tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>();
            int n;
            while ((n = Interlocked.Increment(ref issued)) <= requests && clock.Elapsed < duration)
            {
                var (bytes, type) = bodies[n % bodies.Length];
                using var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue(type);
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using HttpResponseMessage response = await http.PostAsync("predict", content).ConfigureAwait(false);
                    string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.OK || !body.Contains("\"class\"", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }

                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })).ToArray();
        Task.WaitAll(tasks);
        double seconds = clock.Elapsed.TotalSeconds;
        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        return new LoadResult(clients, all.Length, errors, seconds, all.Length / seconds, Percentile(0.5), Percentile(0.9), Percentile(0.99), all.Length == 0 ? double.NaN : all[^1]);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex Url();
}
