using Nabla.IO;

namespace Nabla.Cli;

/// <summary>Checks of the files and folders a command will write, made before any long work, with messages that
/// name the option and the path the user gave.</summary>
internal static class CliFiles
{
    /// <summary>A file can be written at <paramref name="path"/>: its folder exists and it is new or a regular file.</summary>
    public static void CheckWritable(string path, string option)
    {
        try
        {
            AtomicFile.CheckWritable(path, option);
        }
        catch (IOException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }

    /// <summary>A folder for output files: an existing folder, or a new one (created now, so that a path through a file
    /// or a read-only place is found before training).</summary>
    public static void CheckFolder(string folder, string option)
    {
        if (File.Exists(folder))
        {
            throw new UsageException($"{option} {folder}: a file is in the way (give a folder).");
        }

        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {folder}: cannot create the folder ({ex.Message}).", ex);
        }
    }
}
