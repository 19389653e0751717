using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Cli.Explain;
using Nabla.Data;
using Nabla.Data.Preprocessing;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Cli.Commands;

/// <summary><c>nabla explain</c>: one training step of a small dense network, printed as the tutorials write it.</summary>
internal static class ExplainCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new Option<string?>("--data") { Description = "A CSV file or an MNIST-layout folder (default: the built-in digits)." };
        var target = new Option<string?>("--target") { Description = "CSV: the target column (default: label, target or class, else the last)." };
        var layers = new Option<string>("--layers") { Description = "Hidden layer widths, comma-separated (or 'none').", DefaultValueFactory = _ => "3" };
        var activation = new Option<string>("--activation") { Description = "Hidden activation.", DefaultValueFactory = _ => "relu" };
        var loss = new Option<string?>("--loss") { Description = "Loss (default: from the task)." };
        var optimizer = new Option<string>("--optimizer") { Description = "Optimizer (default sgd: W ← W − α·dW, as the tutorials).", DefaultValueFactory = _ => "sgd" };
        var learningRate = new Option<float?>("--lr") { Description = "Learning rate (default 0.1 for sgd, the optimizer's default otherwise)." };
        var init = new Option<string>("--init") { Description = "Weight initializer.", DefaultValueFactory = _ => "default" };
        var scaling = new Option<string>("--scale") { Description = "CSV: feature scaling (default none: the inputs as they are, as the tutorials).", DefaultValueFactory = _ => "none" };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights.", DefaultValueFactory = _ => 0 };
        var samples = new Option<int>("--samples") { Description = "How many samples make the batch (the first ones; default: all of a file of ≤ 16 rows, else 4)." };
        var step = new Option<int>("--step") { Description = "Which step to show (the steps before it are taken silently).", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the quantities as JSON." };
        var command = new Command("explain", "Show one training step — forward, loss, backward, update — in the tutorials' names (A0, Z1, A1, …, dZ, dW, db), with shapes, numbers and the code that computes each.")
        {
            data, target, layers, activation, loss, optimizer, learningRate, init, scaling, seed, samples, step, json,
        };
        command.SetAction(parse =>
        {
            int stepNumber = parse.GetValue(step);
            if (stepNumber < 1)
            {
                throw new UsageException($"--step must be at least 1, got {stepNumber}.");
            }

            string optimizerName = parse.GetValue(optimizer)!;
            var recipe = new TrainingRecipe
            {
                Hidden = ParseLayers(parse.GetValue(layers)!), Activation = parse.GetValue(activation)!, Loss = parse.GetValue(loss), Optimizer = optimizerName,
                LearningRate = parse.GetValue(learningRate) ?? (optimizerName.Equals("sgd", StringComparison.OrdinalIgnoreCase) ? 0.1f : null),
                Init = parse.GetValue(init)!, Seed = parse.GetValue(seed), BatchSize = 0,
            };
            recipe.Validate();
            string source = DataLocator.Resolve(parse.GetValue(data));
            var table = TableSettings.Default with
            {
                Target = parse.GetValue(target),
                Preprocessing = new PreprocessingOptions { Scaling = Scaler.ParseKind(parse.GetValue(scaling)!) },
            };
            PreparedData prepared = DataPreparation.Prepare(DataPreparation.Load(source, table, testSplit: 0, recipe.Seed), table.Preprocessing, validationSplit: 0, recipe.Seed);
            Dataset train = prepared.Train;
            int count = parse.GetResult(samples) is { Implicit: false } ? parse.GetValue(samples) : train.Count <= 16 ? train.Count : 4;
            if (count < 1 || count > train.Count)
            {
                throw new UsageException($"--samples must be in [1, {train.Count}] (the samples of {source}), got {count}.");
            }

            int[] rows = Enumerable.Range(0, count).ToArray();
            var x = new Tensor(count, train.FeatureCount);
            var t = new Tensor(count, train.OutputCount);
            train.CopyFeatures(rows, x.Span);
            train.CopyTargets(rows, t.Span);
            ILoss lossFunction = recipe.CreateLoss(train.Task);
            Sequential model = recipe.CreateModel(new Shape(train.FeatureCount), train.OutputCount, train.Task, lossFunction);
            model.OutputTransform = lossFunction.OutputTransform;
            var before = StepExplainer.InitialWeights(model);
            var quantities = StepExplainer.Explain(model, lossFunction, recipe.CreateOptimizer(model), x, t, stepNumber);
            var targets = new ExplainedQuantity("Y", "Y, the targets (one column per sample)", t.RowLength, count,
                Enumerable.Range(0, t.RowLength).SelectMany(j => Enumerable.Range(0, count).Select(i => (double)t.Span[i * t.RowLength + j])).ToArray(),
                SourceLocations.Describe("targets"));
            string network = string.Join("-", new[] { train.FeatureCount }.Concat(recipe.Hidden).Append(train.OutputCount));
            if (parse.GetValue(json))
            {
                console.Out.WriteLine(new JsonObject
                {
                    ["network"] = network,
                    ["samples"] = count,
                    ["step"] = stepNumber,
                    ["loss"] = lossFunction.Name,
                    ["optimizer"] = optimizerName,
                    ["learning_rate"] = recipe.EffectiveLearningRate,
                    ["weights_before"] = ExplainPrinter.ToJson(before),
                    ["targets"] = ExplainPrinter.ToJson([targets]),
                    ["quantities"] = ExplainPrinter.ToJson(quantities),
                }.ToJsonString());
                return NablaCli.Success;
            }

            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Step {stepNumber} of full-batch training of {network} ({recipe.Activation}, {lossFunction.Name}, {optimizerName}, α = {recipe.EffectiveLearningRate}, seed {recipe.Seed}) on the first {count} samples of {source}."));
            console.Out.WriteLine("Written as the tutorials write it: one column per sample, W as [units, inputs]. (Nabla keeps one row per sample and");
            console.Out.WriteLine("stores W transposed, [inputs, units], so that Y = X·W + b; the numbers are the same.)");
            console.Out.WriteLine();
            console.Out.WriteLine("The weights before the step:");
            console.Out.WriteLine();
            ExplainPrinter.WriteText(console.Out, before);
            ExplainPrinter.WriteText(console.Out, [targets]);
            ExplainPrinter.WriteText(console.Out, quantities);
            return NablaCli.Success;
        });
        return command;
    }

    /// <summary>--layers as train reads it (<see cref="TrainingRecipe.ParseLayers"/>), its error a usage error.</summary>
    private static int[] ParseLayers(string text)
    {
        try
        {
            return TrainingRecipe.ParseLayers(text);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }
}
