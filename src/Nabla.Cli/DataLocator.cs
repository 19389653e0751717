using Nabla.Data;

namespace Nabla.Cli;

/// <summary>What <c>--data</c> names: the path the user gave, or — without it — the built-in digits, which travel
/// inside the Nabla library (<see cref="Mnist.LoadBuiltIn()"/>), so <c>nabla train</c> works from any folder once
/// installed.</summary>
internal static class DataLocator
{
    /// <summary>Stands for the built-in digits where a path would be.</summary>
    public const string BuiltIn = "built-in:" + Mnist.BuiltInName;

    /// <summary>The path given, or <see cref="BuiltIn"/>.</summary>
    public static string Resolve(string? requested) => string.IsNullOrEmpty(requested) ? BuiltIn : requested;

    /// <summary>Whether <paramref name="data"/> is an MNIST-layout folder or the built-in digits (not a CSV file).</summary>
    public static bool IsImageFolder(string data) => data == BuiltIn || Directory.Exists(data);

    /// <summary>How a data source is named in messages.</summary>
    public static string Describe(string data) => data == BuiltIn ? $"the built-in digits ({Mnist.BuiltInName})" : data;

    /// <summary>The training and test sets of an image folder or of the built-in digits.</summary>
    public static (Dataset Train, Dataset Test) LoadImages(string data) => data == BuiltIn ? Mnist.LoadBuiltIn() : Mnist.LoadFolder(data);
}
