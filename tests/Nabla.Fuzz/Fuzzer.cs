using System.Diagnostics;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Fuzz;

/// <summary>What a fuzz run found.</summary>
/// <param name="Target">The loader.</param>
/// <param name="Cases">Cases run.</param>
/// <param name="Outcomes">Cases per outcome: "loaded", a documented exception's type name, or a defect's.</param>
/// <param name="Defects">One example per defect kind: the case number and what happened.</param>
/// <param name="Slow">Cases over the slow limit (case number, seconds).</param>
/// <param name="SlowestCase">The slowest case's number.</param>
/// <param name="SlowestSeconds">Its time.</param>
/// <param name="MostAllocatingCase">The case that allocated the most managed memory.</param>
/// <param name="MostAllocatedBytes">How much it allocated (all threads, as GC.GetTotalAllocatedBytes counts).</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set at the end of the run.</param>
/// <param name="Elapsed">The whole run's time.</param>
public sealed record FuzzReport(string Target, int Cases, IReadOnlyDictionary<string, int> Outcomes, IReadOnlyDictionary<string, (int Case, string Detail)> Defects,
    IReadOnlyList<(int Case, double Seconds)> Slow, int SlowestCase, double SlowestSeconds,
    int MostAllocatingCase, long MostAllocatedBytes, long PeakWorkingSetBytes, TimeSpan Elapsed)
{
    /// <summary>Cases that ended in an exception the loaders do not document, a message that is not one line naming
    /// the file, or a hang.</summary>
    public int DefectCount => Defects.Keys.Sum(k => Outcomes.GetValueOrDefault(k));
}

/// <summary>
/// Runs seeded mutation cases against one loader. Case <c>i</c> of seed <c>s</c> draws everything from
/// <c>new Random(CaseSeed(s, i))</c>, so <c>--case i</c> reruns it alone. Documented outcomes: the file loads, or
/// a <see cref="ModelFormatException"/> / <see cref="DataFormatException"/> (for checkpoints that then train, also a
/// <see cref="TrainingDivergedException"/>) whose message is one line naming the file. Anything else is a defect.
/// </summary>
public static class Fuzzer
{
    /// <summary>A case slower than this is counted and reported.</summary>
    public static readonly TimeSpan SlowLimit = TimeSpan.FromSeconds(2);

    /// <summary>A case still running after this is abandoned as a hang.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="cases"/> cases (or only case <paramref name="only"/>) of <paramref name="target"/>.</summary>
    public static FuzzReport Run(string target, int cases, int seed, int? only = null, Action<string>? log = null)
    {
        string folder = Directory.CreateTempSubdirectory("nabla-fuzz-").FullName;
        try
        {
            FuzzTarget fuzz = Targets.Create(target, Directory.CreateDirectory(Path.Combine(folder, "seeds")).FullName);
            string caseFolder = Directory.CreateDirectory(Path.Combine(folder, "case")).FullName;
            var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var defects = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
            var slow = new List<(int, double)>();
            int slowest = -1, hangs = 0, mostAllocating = -1;
            long mostAllocated = 0;
            double slowestSeconds = 0;
            var clock = Stopwatch.StartNew();
            int first = only ?? 0, last = only ?? cases - 1;
            for (int i = first; i <= last && hangs < 3; i++)
            {
                var random = new Random(CaseSeed(seed, i));
                int seedIndex = random.Next(fuzz.Seeds.Count);
                var (seedName, seedBytes) = fuzz.Seeds[seedIndex];
                byte[] bytes = fuzz.Mutate(random, seedBytes);
                string path = Path.Combine(caseFolder, target == "checkpoint" ? Checkpoint.FileName : "case-" + seedName);
                File.WriteAllBytes(path, bytes);
                long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                // Each case runs on a thread of its own (not the thread pool, which a busy test run may starve), so a
                // hang is seen and abandoned.
                (string, string) result = ("hang", $"still running after {HangLimit.TotalSeconds} s");
                var thread = new Thread(() => result = Classify(() => fuzz.Load(caseFolder, path, seedIndex, random), path, target), 16 << 20)
                {
                    IsBackground = true,
                };
                thread.Start();
                hangs += thread.Join(HangLimit) ? 0 : 1;
                var (outcome, detail) = result;

                double seconds = watch.Elapsed.TotalSeconds;
                long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                if (allocated > 256 << 20)
                {
                    log?.Invoke($"case {i}: allocated {allocated >> 20} MB ({outcome})");
                }

                if (allocated > mostAllocated)
                {
                    (mostAllocating, mostAllocated) = (i, allocated);
                }

                if (seconds > slowestSeconds)
                {
                    (slowest, slowestSeconds) = (i, seconds);
                }

                if (seconds > SlowLimit.TotalSeconds)
                {
                    slow.Add((i, seconds));
                    log?.Invoke($"case {i}: slow ({seconds:F2} s, {outcome})");
                }

                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (detail.Length > 0 && defects.TryAdd(outcome, (i, detail)))
                {
                    log?.Invoke($"case {i} ({seedName}): {outcome}: {detail}");
                }

                if (only is not null)
                {
                    log?.Invoke($"case {i} ({seedName}, {bytes.Length} bytes): {outcome} in {seconds:F3} s{(detail.Length > 0 ? $": {detail}" : "")}");
                    File.Copy(path, Path.Combine(Environment.CurrentDirectory, $"fuzz-{target}-{seed}-{i}{Path.GetExtension(path)}"), overwrite: true);
                }

                foreach (string file in Directory.EnumerateFiles(caseFolder))
                {
                    File.Delete(file);
                }
            }

            using var process = Process.GetCurrentProcess();
            return new FuzzReport(target, last - first + 1, outcomes, defects, slow, slowest, slowestSeconds, mostAllocating, mostAllocated, process.PeakWorkingSet64, clock.Elapsed);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A hung case may still hold a file.
            }
        }
    }

    /// <summary>The generator seed of case <paramref name="index"/> (SplitMix64 of seed and index: the same in every
    /// process, unlike <see cref="HashCode"/>).</summary>
    public static int CaseSeed(int seed, int index)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32 | (uint)index) + 0x9e3779b97f4a7c15);
        z = unchecked((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9);
        z = unchecked((z ^ (z >> 27)) * 0x94d049bb133111eb);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>Runs one case: ("loaded" or the exception's type name, "" when documented or the defect's detail).</summary>
    private static (string Outcome, string Detail) Classify(Action load, string path, string target)
    {
        try
        {
            load();
            return ("loaded", "");
        }
        catch (Exception ex) when (ex is ModelFormatException or DataFormatException || ex is TrainingDivergedException && target == "checkpoint")
        {
            string name = ex.GetType().Name;
            if (ex.Message.Contains('\n', StringComparison.Ordinal) || ex.Message.Contains('\r', StringComparison.Ordinal))
            {
                return (name + " (message of several lines)", ex.Message);
            }

            if (ex is not TrainingDivergedException && !ex.Message.Contains(path, StringComparison.Ordinal))
            {
                return (name + " (message without the file)", ex.Message);
            }

            return (name, "");
        }
#pragma warning disable CA1031 // Every other exception is what the fuzzer is looking for: it is counted and reported.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (ex.GetType().Name, $"{ex.Message.Split('\n')[0]} at {ex.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Nabla", StringComparison.Ordinal))?.Trim()}");
        }
    }
}
