using System.Diagnostics;
using Nabla.Tests.Testing;
using Nabla.Training;

namespace Nabla.Tests.Cli;

/// <summary>
/// Kill -9 and resume: the real CLI in a child process, killed (SIGKILL) while it rewrites its checkpoint after every
/// tiny epoch, resumed from what it left, killed again. Each time the checkpoint must load and have progressed.
/// A kill rarely lands inside the write itself, so this is a smoke test of resuming after a crash; that a write is
/// never seen half-done rests on the temp-file-then-rename in ModelFile.Save.
/// </summary>
public sealed class KillTests : IDisposable
{
    private readonly string _data = TestData.WriteSlice(300, 50);
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-kill-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    private static int CompletedEpochs(string folder) =>
        File.Exists(Path.Combine(folder, Checkpoint.FileName)) ? (int)Checkpoint.Load(folder).State["completed_epochs"]! : 0;

    [Fact]
    public void Killing_the_process_never_leaves_a_broken_checkpoint()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll");
        string checkpoint = Path.Combine(_work, "checkpoint");
        var random = new Random(5);
        int lastEpochs = 0;
        for (int round = 0; round < 3; round++)
        {
            string[] args = round == 0
                ? ["train", "--data", _data, "--layers", "32", "--epochs", "100000", "--batch-size", "100", "--checkpoint", checkpoint, "--out", Path.Combine(_work, "m.nabla"), "--quiet"]
                : ["train", "--resume", checkpoint, "--quiet"];
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(cli);
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;

            // Wait until this process has written a checkpoint of its own (slow under a loaded test run), then let it
            // run a little longer and kill it at an arbitrary moment.
            var watch = Stopwatch.StartNew();
            while (CompletedEpochs(checkpoint) <= lastEpochs && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(20);
            }

            Thread.Sleep(random.Next(300));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();

            Checkpoint.Data data = Checkpoint.Load(checkpoint);
            int epochs = (int)data.State["completed_epochs"]!;
            Assert.True(epochs > lastEpochs, $"round {round}: {epochs} epochs after {lastEpochs}");
            lastEpochs = epochs;
        }
    }
}
