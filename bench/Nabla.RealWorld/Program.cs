using System.Globalization;
using Nabla.Data;
using Nabla.RealWorld;

// dotnet run -c Release --project bench/Nabla.RealWorld -- digits --out DIR [--count 300] [--seed 15]
//     writes photo-like digit pictures made from MNIST test digits, and labels.csv
// dotnet run -c Release --project bench/Nabla.RealWorld -- score --model model.nabla [--count 300] [--seed 15]
//     the model's accuracy on such pictures, read and preprocessed as nabla predict does (overall and per look)
// dotnet run -c Release --project bench/Nabla.RealWorld -- load --model model.nabla [--workers 1,2] [--clients 8] [--requests 4000] [--seconds 30]
//     starts nabla serve on a free loopback port (once per --workers value: 1 is a lock around one model) and posts
//     photo-like digit pictures to POST /predict from concurrent clients: requests/s, p50/p90/p99 latency, errors
string Option(string name, string fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

int Number(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

switch (args.FirstOrDefault())
{
    case "digits":
    {
        var photos = DigitPhotos.Generate(Mnist.LoadBuiltIn("t10k"), Option("--out", "digit-photos"), Number("--count", 300), Number("--seed", 15));
        Console.WriteLine($"wrote {photos.Count} pictures and labels.csv to {Option("--out", "digit-photos")}");
        return 0;
    }

    case "score":
    {
        string folder = Directory.CreateTempSubdirectory("nabla-photos-").FullName;
        try
        {
            Dataset test = Mnist.LoadBuiltIn("t10k");
            var photos = DigitPhotos.Generate(test, folder, Number("--count", 300), Number("--seed", 15));
            var (accuracy, byLook, wrong) = PhotoScore.Score(Option("--model", "model.nabla"), photos);
            double clean = PhotoScore.CleanAccuracy(Option("--model", "model.nabla"), test, photos);
            Console.WriteLine(FormattableString.Invariant($"accuracy {accuracy:F3} on {photos.Count} pictures (seed {Number("--seed", 15)}); {clean:F3} on the same test digits as 28×28 originals"));
            foreach (var (look, (right, total)) in byLook)
            {
                Console.WriteLine(FormattableString.Invariant($"  {look,-14} {right,4}/{total,-4} {(double)right / total:F3}"));
            }

            foreach (var (photo, predicted) in wrong.Take(Number("--wrong", 0)))
            {
                Console.WriteLine($"  wrong: {Path.GetFileName(photo.Path)} ({photo.Description}) read as {predicted}");
            }

            return 0;
        }
        finally
        {
            if (!args.Contains("--keep"))
            {
                Directory.Delete(folder, recursive: true);
            }
            else
            {
                Console.WriteLine($"pictures kept in {folder}");
            }
        }
    }

    case "load":
    {
        string folder = Directory.CreateTempSubdirectory("nabla-load-").FullName;
        try
        {
            var photos = DigitPhotos.Generate(Mnist.LoadBuiltIn("t10k"), folder, 50, Number("--seed", 15));
            foreach (int workers in Option("--workers", "1,2").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)))
            {
                LoadResult r = LoadTest.RunLocal(Option("--model", "model.nabla"), workers, photos, Number("--clients", 8), Number("--requests", 4000),
                    TimeSpan.FromSeconds(Number("--seconds", 30)));
                Console.WriteLine(new System.Text.Json.Nodes.JsonObject
                {
                    ["workers"] = workers, ["clients"] = r.Clients, ["requests"] = r.Requests, ["errors"] = r.Errors,
                    ["seconds"] = Math.Round(r.Seconds, 2), ["requests_per_second"] = Math.Round(r.RequestsPerSecond),
                    ["p50_ms"] = Math.Round(r.P50Ms, 2), ["p90_ms"] = Math.Round(r.P90Ms, 2), ["p99_ms"] = Math.Round(r.P99Ms, 2), ["max_ms"] = Math.Round(r.MaxMs, 2),
                }.ToJsonString());
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    default:
        Console.Error.WriteLine("usage: Nabla.RealWorld digits --out DIR [--count N] [--seed S] | score --model M [--count N] [--seed S] [--wrong K] [--keep] | load --model M [--workers 1,2] [--clients N] [--requests N] [--seconds S]");
        return 2;
}
