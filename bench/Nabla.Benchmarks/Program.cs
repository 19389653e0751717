using BenchmarkDotNet.Running;
using Nabla.Benchmarks;

// dotnet run -c Release --project bench/Nabla.Benchmarks -- gemm        one JSON line per GEMM shape
// dotnet run -c Release --project bench/Nabla.Benchmarks -- train-step  dropout / batch-norm overhead per epoch
// DOTNET_TieredCompilation=0 dotnet run -c Release --project bench/Nabla.Benchmarks -- full-batch [DATA]  the tutorials' network, ms per iteration
// dotnet run -c Release --project bench/Nabla.Benchmarks -- cnn-layers [keras|lenet|ARCH BATCH [ROUNDS]]  per-layer forward/backward times of the benchmark CNNs
// dotnet run -c Release --project bench/Nabla.Benchmarks -- recurrent   LSTM/GRU/RNN ms per batch in the sequence tasks' shapes
// dotnet run -c Release --project bench/Nabla.Benchmarks -- csv-load FILE  time to load a CSV (e.g. Kaggle-layout MNIST)
// dotnet run -c Release --project bench/Nabla.Benchmarks -- bdn [args]  BenchmarkDotNet classes (e.g. --filter '*Gemm*')
switch (args.FirstOrDefault())
{
    case "gemm":
        GemmThroughput.Run(trainingShapes: args.Contains("--training-shapes"));
        return 0;
    case "train-step":
        TrainingStepOverhead.Run();
        return 0;
    case "cnn-layers":
        CnnLayers.Run(args.Length > 1 ? args[1] : "keras", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : null,
            args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 60);
        return 0;
    case "recurrent":
        RecurrentLayerTimes.Run();
        return 0;
    case "full-batch":
        FullBatchSteady.Run(args.Length > 1 ? args[1] : "data/mnist-10k");
        return 0;
    case "csv-load" when args.Length > 1:
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var table = Nabla.Data.CsvLoader.Load(args[1], new Nabla.Data.CsvOptions());
        Console.WriteLine(System.FormattableString.Invariant(
            $"{{\"file\":\"{args[1]}\",\"rows\":{table.Rows},\"features\":{table.FeatureNames.Length},\"seconds\":{watch.Elapsed.TotalSeconds:F2},\"peak_working_set_mb\":{System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576}}}"));
        return 0;
    case "bdn":
        BenchmarkSwitcher.FromAssembly(typeof(GemmShapes).Assembly).Run(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine("usage: Nabla.Benchmarks gemm [--training-shapes] | train-step | cnn-layers [keras|lenet] | recurrent | full-batch [DATA] | csv-load FILE | bdn [BenchmarkDotNet arguments]");
        return 2;
}
