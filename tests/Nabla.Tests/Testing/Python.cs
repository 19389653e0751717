using System.Diagnostics;

namespace Nabla.Tests.Testing;

/// <summary>Debian's /usr/bin/python3 and the modules it has (NumPy, PyTorch), for running the examples' Python code.</summary>
internal static class Python
{
    public const string Path = "/usr/bin/python3";

    private static readonly Lazy<bool> s_numpy = new(() => Has("numpy"));
    private static readonly Lazy<bool> s_torch = new(() => Has("torch"));

    public static bool HasNumPy => s_numpy.Value;

    public static bool HasTorch => s_torch.Value;

    /// <summary>Runs python3 with <paramref name="arguments"/>; returns its standard output, failing the test on a
    /// non-zero exit with its standard error.</summary>
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"python3 {string.Join(" ", arguments)} exited with {process.ExitCode}: {error.Result}");
        return output;
    }

    private static bool Has(string module)
    {
        if (!File.Exists(Path))
        {
            return false;
        }

        try
        {
            using Process process = Process.Start(new ProcessStartInfo(Path, ["-c", $"import {module}"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit(60_000);
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact that runs where /usr/bin/python3 has NumPy (and PyTorch when <see cref="Torch"/>), and is
/// reported as skipped, saying why, elsewhere.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    private bool _torch;

    public PythonFactAttribute()
    {
        if (!Python.HasNumPy)
        {
            Skip = $"{Python.Path} with NumPy is not installed (apt-get install python3-numpy): the Python reader is not run.";
        }
    }

    /// <summary>Whether the test also needs PyTorch.</summary>
    public bool Torch
    {
        get => _torch;
        set
        {
            _torch = value;
            if (value && Skip is null && !Python.HasTorch)
            {
                Skip = $"{Python.Path} has no PyTorch (apt-get install python3-torch): the PyTorch loading recipe is not run.";
            }
        }
    }
}
