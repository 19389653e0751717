using System.CommandLine;
using Nabla.Data;
using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla generate</c>: new lines sampled from a language model trained with <c>--task text</c>.</summary>
internal static class GenerateCommand
{
    /// <summary>The most lines one call samples.</summary>
    public const int MaxCount = 1_000_000;

    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "A model trained with nabla train --task text.", Required = true };
        var count = new Option<int>("--count") { Description = "Lines to sample.", DefaultValueFactory = _ => 10 };
        var temperature = new Option<float>("--temperature") { Description = "Divides the logits before sampling: below 1 is more conservative, above 1 more adventurous.", DefaultValueFactory = _ => 1f };
        var prefix = new Option<string>("--prefix") { Description = "Every line starts with these characters.", DefaultValueFactory = _ => "" };
        var seed = new Option<int>("--seed") { Description = "Seed of the draws (the same seed gives the same lines).", DefaultValueFactory = _ => 0 };
        var command = new Command("generate", "Sample new lines from a character-level language model (nabla train --task text).") { modelPath, count, temperature, prefix, seed };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(modelPath)!;
            int lines = parse.GetValue(count);
            float t = parse.GetValue(temperature);
            string start = parse.GetValue(prefix) ?? "";
            if (lines is < 1 or > MaxCount)
            {
                throw new UsageException(FormattableString.Invariant($"--count must be from 1 to {MaxCount:N0}, got {lines}."));
            }

            if (!(t > 0 && float.IsFinite(t)))
            {
                throw new UsageException($"--temperature must be a positive number, got {t.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }

            var (model, metadata) = ModelFile.Load(path);
            if (metadata.Task != TaskKind.Text)
            {
                throw new UsageException($"{path} is not a language model (it was trained for {metadata.Task.ToString().ToLowerInvariant()}); train one with nabla train --task text.");
            }

            var generator = new TextGenerator(model, metadata.ClassNames);
            try
            {
                generator.CheckPrefix(start);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--prefix '{TextGenerator.Printable(start)}': {ex.Message}", ex);
            }

            foreach (string line in generator.Sample(lines, t, start, parse.GetValue(seed)))
            {
                console.Out.WriteLine(line);
            }

            return NablaCli.Success;
        });
        return command;
    }
}
