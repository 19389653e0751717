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
}
