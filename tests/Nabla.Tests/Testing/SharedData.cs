namespace Nabla.Tests.Testing;

/// <summary>The project's shared datasets beside the repository (<c>../shared/datasets</c>), which a checkout elsewhere
/// may not have.</summary>
internal static class SharedData
{
    /// <summary>The full path of <paramref name="relative"/> under ../shared/datasets (it may not exist).</summary>
    public static string PathOf(string relative) => Path.GetFullPath(Path.Combine(TestData.RepositoryRoot, "..", "shared", "datasets", relative));
}

/// <summary>A fact that runs where ../shared/datasets has <see cref="File"/>, and is reported as skipped, saying why,
/// elsewhere.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Needs <paramref name="file"/> (relative to ../shared/datasets).</summary>
    public SharedDataFactAttribute(string file)
    {
        File = file;
        if (!System.IO.File.Exists(SharedData.PathOf(file)))
        {
            Skip = $"{SharedData.PathOf(file)} is not there (the project's shared datasets): the example is not run.";
        }
    }

    /// <summary>The file needed, relative to ../shared/datasets.</summary>
    public string File { get; }
}
