using BenchmarkDotNet.Running;
using Nabla.Benchmarks;

// dotnet run -c Release --project bench/Nabla.Benchmarks -- gemm        one JSON line per GEMM shape
// dotnet run -c Release --project bench/Nabla.Benchmarks -- train-step  dropout / batch-norm overhead per epoch
// dotnet run -c Release --project bench/Nabla.Benchmarks -- bdn [args]  BenchmarkDotNet classes (e.g. --filter '*Gemm*')
switch (args.FirstOrDefault())
{
    case "gemm":
        GemmThroughput.Run(trainingShapes: args.Contains("--training-shapes"));
        return 0;
    case "train-step":
        TrainingStepOverhead.Run();
        return 0;
    case "bdn":
        BenchmarkSwitcher.FromAssembly(typeof(GemmShapes).Assembly).Run(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine("usage: Nabla.Benchmarks gemm [--training-shapes] | train-step | bdn [BenchmarkDotNet arguments]");
        return 2;
}
