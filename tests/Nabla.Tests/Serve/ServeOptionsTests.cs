using System.Diagnostics;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Serve;

/// <summary><c>nabla serve</c>'s options: checked before listening, loopback unless asked otherwise.</summary>
public sealed class ServeOptionsTests
{
    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["serve", "--model", "/nonexistent/m.nabla"], "/nonexistent/m.nabla" },
        { ["serve", "--model", "MODEL", "--port", "70000"], "--port" },
        { ["serve", "--model", "MODEL", "--host", "example.org"], "--host" },
        { ["serve", "--model", "MODEL", "--workers", "0"], "--workers" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_one_line_and_exit_2(string[] args, string mentioned)
    {
        var (code, output, error) = CliRunner.Run(args.Select(a => a == "MODEL" ? TrainedDigits.Model : a).ToArray());
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(mentioned, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void The_default_host_is_loopback_and_a_taken_port_is_an_error()
    {
        using var server = new ServerRunner("--model", TrainedDigits.Model, "--workers", "1");
        Assert.Equal("127.0.0.1", server.Address.Host);
        var (code, _, error) = CliRunner.Run("serve", "--model", TrainedDigits.Model, "--port", server.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, code);
        Assert.Contains("cannot listen there", error);
    }

    [Fact]
    public void Sigterm_stops_the_server_as_ctrl_c_does()
    {
        // kill, docker stop and systemd send SIGTERM; ASP.NET Core's console lifetime stops the server on it, and the
        // command used to wait for Ctrl+C for ever after that.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll"), "serve", "--model", TrainedDigits.Model, "--port", "0", "--workers", "1" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        try
        {
            string? first = process.StandardOutput.ReadLine();
            Assert.StartsWith("Serving ", first);
            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "nabla serve did not stop within 30 s of SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("Stopped serving.", process.StandardOutput.ReadToEnd().Trim());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
