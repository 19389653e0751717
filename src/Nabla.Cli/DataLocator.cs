namespace Nabla.Cli;

/// <summary>Finds the built-in dataset (data/mnist-10k) from the working directory or from where nabla is installed.</summary>
internal static class DataLocator
{
    public const string BuiltIn = "data/mnist-10k";

    public static string Resolve(string? requested)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return requested;
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, BuiltIn);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new UsageException($"the built-in dataset {BuiltIn} was not found from {Directory.GetCurrentDirectory()}; pass --data DIR.");
    }
}
