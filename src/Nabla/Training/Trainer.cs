using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>
/// Mini-batch training: for each epoch, shuffle the sample indices (seeded), and for each batch
/// zero the gradients → forward → loss → backward → optimizer step. No console output: progress goes to an
/// <see cref="IProgress{T}"/>, and cancellation (Ctrl+C in the CLI) stops after the current batch with the weights intact.
/// </summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/>.</summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="ShapeMismatchException">The data does not fit the model.</exception>
    public static TrainingHistory Fit(
        Sequential model, ILoss loss, IOptimizer optimizer, Dataset train, TrainingOptions options,
        Dataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        CheckFits(model, train, "training");
        if (validation is not null)
        {
            CheckFits(model, validation, "validation");
        }

        model.OutputTransform = loss.OutputTransform;
        int count = train.Count, width = train.Features.RowLength, classes = train.ClassCount;
        int batchSize = options.BatchSize <= 0 || options.BatchSize >= count ? count : options.BatchSize;
        bool fullBatch = batchSize == count;
        int batchesPerEpoch = (count + batchSize - 1) / batchSize;
        Tensor targets = OneHot(train.Labels, classes);
        var batchFeatures = new BatchBuffer();
        var batchTargets = new BatchBuffer();
        var gradient = new BatchBuffer();
        int[] order = Enumerable.Range(0, count).ToArray();
        int[] predicted = new int[Math.Min(batchSize, ChunkRows)];
        Tensor? chunkFeatures = null, chunkTargets = null;
        var random = new Random(options.Seed);
        var history = new TrainingHistory();
        var total = Stopwatch.StartNew();

        for (int epoch = 1; epoch <= options.Epochs && !history.Cancelled; epoch++)
        {
            var watch = Stopwatch.StartNew();
            if (options.Shuffle && !fullBatch)
            {
                random.Shuffle(order);
            }

            double lossSum = 0;
            long correct = 0, seen = 0;
            for (int batch = 0; batch < batchesPerEpoch; batch++)
            {
                int start = batch * batchSize, rows = Math.Min(batchSize, count - start);
                Tensor x, t;
                if (fullBatch)
                {
                    (x, t) = (train.Features, targets);
                }
                else
                {
                    x = batchFeatures.Get(rows, width);
                    t = batchTargets.Get(rows, classes);
                    Gather(train.Features, order.AsSpan(start, rows), x);
                    Gather(targets, order.AsSpan(start, rows), t);
                }

                // Large batches (full batch above all) run as chunks whose gradients accumulate before one step:
                // the same update, but each chunk's activations are still in cache when its backward pass reads them.
                model.ZeroGradients();
                for (int chunkStart = 0; chunkStart < rows; chunkStart += ChunkRows)
                {
                    int chunkRows = Math.Min(ChunkRows, rows - chunkStart);
                    Tensor xChunk = chunkRows == rows ? x : View(ref chunkFeatures, x, chunkStart, chunkRows);
                    Tensor tChunk = chunkRows == rows ? t : View(ref chunkTargets, t, chunkStart, chunkRows);
                    Tensor output = model.Forward(xChunk, training: true);
                    Tensor dOutput = gradient.Get(chunkRows, classes);
                    float chunkLoss = loss.Compute(output.Span, tChunk.Span, classes, dOutput.Span);
                    if (!float.IsFinite(chunkLoss))
                    {
                        throw new TrainingDivergedException(string.Create(CultureInfo.InvariantCulture,
                            $"The loss became {chunkLoss} at epoch {epoch}, batch {batch + 1} of {batchesPerEpoch}. " +
                            $"Usual causes: a learning rate too high (now {optimizer.LearningRate}), or inputs that are not scaled (e.g. pixels 0..255 instead of 0..1)."));
                    }

                    if (chunkRows != rows)
                    {
                        // The loss gradient is of the chunk's mean; the step needs the batch's mean.
                        TensorMath.Scale((float)chunkRows / rows, dOutput.Span);
                    }

                    model.Backward(dOutput);
                    TensorMath.ArgMaxRows(output.Span, classes, predicted.AsSpan(0, chunkRows));
                    for (int i = 0; i < chunkRows; i++)
                    {
                        int sample = start + chunkStart + i;
                        if (predicted[i] == train.Labels[fullBatch ? sample : order[sample]])
                        {
                            correct++;
                        }
                    }

                    lossSum += (double)chunkLoss * chunkRows;
                }

                optimizer.Step();
                seen += rows;
                progress?.Report(new TrainingProgress(epoch, options.Epochs, batch + 1, batchesPerEpoch, lossSum / seen, (double)correct / seen, null));
                if (cancellationToken.IsCancellationRequested)
                {
                    history.Cancelled = true;
                    break;
                }
            }

            if (history.Cancelled && seen < count)
            {
                break;
            }

            double? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
            {
                EvaluationResult result = Evaluator.Evaluate(model, loss, validation);
                (validationLoss, validationAccuracy) = (result.Loss, result.Accuracy);
            }

            var report = new EpochReport(epoch, lossSum / seen, (double)correct / seen, validationLoss, validationAccuracy, watch.Elapsed);
            history.Add(report);
            progress?.Report(new TrainingProgress(epoch, options.Epochs, batchesPerEpoch, batchesPerEpoch, report.TrainLoss, report.TrainAccuracy, report));
        }

        history.Elapsed = total.Elapsed;
        return history;
    }

    /// <summary>Largest number of rows run through the network at once; bigger batches accumulate gradients over chunks.</summary>
    internal const int ChunkRows = 1024;

    private static Tensor View(ref Tensor? view, Tensor source, int start, int rows)
    {
        view ??= source.RowRange(start, rows);
        view.SetRowView(source, start, rows);
        return view;
    }

    /// <summary>One-hot rows: [labels.Length, classes] with a 1 at each label.</summary>
    public static Tensor OneHot(ReadOnlySpan<int> labels, int classes)
    {
        var result = new Tensor(labels.Length, classes);
        Span<float> values = result.Span;
        for (int i = 0; i < labels.Length; i++)
        {
            values[i * classes + labels[i]] = 1f;
        }

        return result;
    }

    private static void Gather(Tensor source, ReadOnlySpan<int> rows, Tensor destination)
    {
        int width = source.RowLength;
        Span<float> target = destination.Span;
        for (int i = 0; i < rows.Length; i++)
        {
            source.Row(rows[i]).CopyTo(target.Slice(i * width, width));
        }
    }

    internal static void CheckFits(Sequential model, Dataset data, string what)
    {
        if (data.Features.RowLength != model.InputShape.Count)
        {
            throw new ShapeMismatchException($"The model takes {model.InputShape.Count} input values per sample but the {what} data has {data.Features.RowLength} ({data.Features.Shape}).");
        }

        if (model.OutputShape.Count != data.ClassCount)
        {
            throw new ShapeMismatchException($"The model outputs {model.OutputShape.Count} values per sample but the {what} data has {data.ClassCount} classes.");
        }
    }
}
