using System.Globalization;
using Nabla.Fuzz;

// dotnet run -c Release --project tests/Nabla.Fuzz -- model|checkpoint|idx|csv|image|model-raw|all [--cases N] [--seed S] [--case K]
if (args.Length == 0 || !(Targets.Names.Contains(args[0]) || args[0] == "all"))
{
    Console.Error.WriteLine($"usage: Nabla.Fuzz {string.Join("|", Targets.Names)}|all [--cases N] [--seed S] [--case K]");
    return 2;
}

int cases = 1000, seed = 1;
int? only = null;
for (int i = 1; i + 1 < args.Length; i += 2)
{
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--cases":
            cases = value;
            break;
        case "--seed":
            seed = value;
            break;
        case "--case":
            only = value;
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

int defects = 0;
foreach (string target in args[0] == "all" ? Targets.Names : [args[0]])
{
    FuzzReport report = Fuzzer.Run(target, cases, seed, only, Console.WriteLine);
    Console.WriteLine($"{target}: {report.Cases} cases, seed {seed}, {report.Elapsed.TotalSeconds:F1} s");
    foreach (var (outcome, count) in report.Outcomes.OrderByDescending(o => o.Value))
    {
        string mark = report.Defects.ContainsKey(outcome) ? $"   DEFECT (first: case {report.Defects[outcome].Case})" : "";
        Console.WriteLine($"  {outcome,-44} {count,8}{mark}");
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  slowest case {report.SlowestCase}: {report.SlowestSeconds:F3} s; cases over {Fuzzer.SlowLimit.TotalSeconds} s: {report.Slow.Count}{(report.Slow.Count > 0 ? $" ({string.Join(", ", report.Slow.Take(10).Select(s => s.Case))})" : "")}"));
    Console.WriteLine($"  most allocating case {report.MostAllocatingCase}: {report.MostAllocatedBytes / (1 << 20)} MB; peak working set {report.PeakWorkingSetBytes / (1 << 20)} MB; undocumented outcomes: {report.DefectCount}");
    defects += report.DefectCount + report.Slow.Count;
}

return defects == 0 ? 0 : 1;
