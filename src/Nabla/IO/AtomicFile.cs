using System.Diagnostics;
using System.Globalization;

namespace Nabla.IO;

/// <summary>
/// Writes files so that nothing is ever half-written or lost: the content goes to a temporary file beside the target
/// (<c>.NAME.PID.tmp</c>), is flushed to disk, and is renamed over the target in one step. Only a regular file or a
/// new path is ever replaced; a directory, a device, a FIFO or a socket is refused before anything is written.
/// </summary>
/// <remarks>
/// <para>A kill at any moment leaves either the old file or the new one. A kill during a save leaves its temporary
/// file behind; the next save of the same target removes the temporary files of processes that no longer run.</para>
/// <para>.NET exposes no file type on Unix, so "regular file" is established without native calls: special files
/// (devices, FIFOs, sockets) report a size of 0, so a non-empty file is regular; an empty one is regular when it is
/// seekable and reads as empty (a FIFO is not seekable; <c>/dev/zero</c> and <c>/dev/full</c> read data), and nothing
/// under <c>/dev</c>, <c>/proc</c> or <c>/sys</c> counts (<c>/dev/null</c> reads as empty). A symbolic link is followed:
/// the file it points to is replaced and the link kept.</para>
/// </remarks>
public static class AtomicFile
{
    private static readonly string[] s_specialRoots = ["/dev/", "/proc/", "/sys/"];

    /// <summary>Throws <see cref="IOException"/> naming <paramref name="path"/> (as the user gave it, after
    /// <paramref name="what"/>, e.g. "--out") unless a file can be written there: the folder exists and the path is
    /// new or a regular file.</summary>
    public static void CheckWritable(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string label = string.IsNullOrEmpty(what) ? path : $"{what} {path}";
        string target = ResolveTarget(path);
        if (Directory.Exists(target))
        {
            throw new IOException($"{label}: is a folder; give a file name.");
        }

        string folder = Path.GetDirectoryName(target) ?? "";
        if (!Directory.Exists(folder))
        {
            throw new IOException($"{label}: the folder {folder} does not exist.");
        }

        if (File.Exists(target) && !IsRegularFile(target))
        {
            throw new IOException($"{label}: is not a regular file (a device, FIFO or socket); Nabla writes only to regular files or new paths.");
        }

        if (!CanCreateIn(folder, Path.GetFileName(target)))
        {
            throw new IOException($"{label}: the folder {folder} is not writable.");
        }
    }

    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> atomically (see the remarks).</summary>
    /// <exception cref="IOException">The target cannot be written; the message names <paramref name="path"/>.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        CheckWritable(path, "");
        string target = ResolveTarget(path);
        string folder = Path.GetDirectoryName(target)!, name = Path.GetFileName(target);
        RemoveStaleTemporaries(folder, name);
        string temporary = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".{name}.{Environment.ProcessId}.tmp"));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new IOException($"{path}: cannot write the file ({ex.Message.Replace(temporary, path, StringComparison.Ordinal)}).", ex);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Whether an existing non-directory path is a regular file (see the remarks).</summary>
    public static bool IsRegularFile(string path)
    {
        string full = Path.GetFullPath(ResolveTarget(path));
        if (!File.Exists(full) || s_specialRoots.Any(root => full.StartsWith(root, StringComparison.Ordinal)))
        {
            return false;
        }

        if (new FileInfo(full).Length > 0)
        {
            return true;
        }

        try
        {
            // Read-write opens a FIFO without blocking (on Linux); a FIFO, a terminal or a socket is not seekable.
            using var stream = new FileStream(full, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
            Span<byte> probe = stackalloc byte[1];
            return stream.CanSeek && stream.Read(probe) == 0;
        }
        catch (UnauthorizedAccessException)
        {
            // An empty file we may not open for writing: it can still be replaced by a rename in a writable folder.
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The path with symbolic links followed to the final target (the path itself when it is not a link).</summary>
    private static string ResolveTarget(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            FileSystemInfo? link = File.ResolveLinkTarget(full, returnFinalTarget: true);
            return link is null ? full : Path.GetFullPath(link.FullName);
        }
        catch (IOException)
        {
            return full;
        }
    }

    /// <summary>Whether a file can be created in <paramref name="folder"/>: creates and deletes the temporary file a
    /// save would use (permission bits alone do not tell, e.g. for root or on a read-only mount).</summary>
    private static bool CanCreateIn(string folder, string name)
    {
        string probe = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".{name}.{Environment.ProcessId}.tmp"));
        try
        {
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Deletes <c>.NAME.PID.tmp</c> files in <paramref name="folder"/> left by processes that no longer run.</summary>
    private static void RemoveStaleTemporaries(string folder, string name)
    {
        string prefix = "." + name + ".";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, prefix + "*.tmp").ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            string middle = Path.GetFileName(candidate)[prefix.Length..^".tmp".Length];
            if (int.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(candidate);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next save to remove.
        }
    }
}
