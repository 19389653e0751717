using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>Keras's <c>predict</c>: probabilities (or regression values) and classes, for one sample or many, from
/// arrays or tensors of model inputs (features as the training data held them, already scaled).</summary>
public sealed partial class Sequential
{
    private const int PredictionBatch = 1000;

    /// <summary>The outputs for a batch [count, InputShape...], as a new tensor [count, outputs...] (the output
    /// transform applied: class probabilities for a classifier).</summary>
    public Tensor Predict(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var result = new Tensor(OutputShape.WithBatchDimension(samples.Rows));
        for (int start = 0; start < samples.Rows; start += PredictionBatch)
        {
            int rows = Math.Min(PredictionBatch, samples.Rows - start);
            PredictProbabilities(samples.RowRange(start, rows)).Span.CopyTo(result.Span.Slice(start * OutputShape.Count, rows * OutputShape.Count));
        }

        return result;
    }

    /// <summary>The outputs for one sample (its values row-major, InputShape.Count of them).</summary>
    public float[] Predict(float[] sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Predict(Batch([sample])).Span.ToArray();
    }

    /// <summary>The outputs for each sample of <paramref name="samples"/>.</summary>
    public float[][] Predict(float[][] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        Tensor outputs = Predict(Batch(samples));
        return Enumerable.Range(0, samples.Length).Select(i => outputs.Row(i).ToArray()).ToArray();
    }

    /// <summary>The outputs for each row of <paramref name="samples"/> [count, features].</summary>
    public float[,] Predict(float[,] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        Tensor outputs = Predict(Batch(samples));
        var result = new float[samples.GetLength(0), OutputShape.Count];
        for (int i = 0; i < result.GetLength(0); i++)
        {
            for (int j = 0; j < result.GetLength(1); j++)
            {
                result[i, j] = outputs[i, j];
            }
        }

        return result;
    }

    /// <summary>The predicted class of each sample of a batch (argmax; for one sigmoid output, P ≥ 0.5).</summary>
    public int[] PredictClasses(Tensor samples)
    {
        Tensor probabilities = Predict(samples);
        var classes = new int[samples.Rows];
        // The outputs are probabilities now, so a single output is thresholded at 0.5.
        OutputTransform.None.PredictClasses(probabilities.Span, OutputShape.Count, classes);
        return classes;
    }

    /// <summary>The predicted class of each row of <paramref name="samples"/>.</summary>
    public int[] PredictClasses(float[,] samples) => PredictClasses(Batch(samples));

    /// <summary>The predicted class of each sample.</summary>
    public int[] PredictClasses(float[][] samples) => PredictClasses(Batch(samples));

    /// <summary>The predicted class of one sample.</summary>
    public int PredictClass(float[] sample) => PredictClasses(Batch([sample]))[0];

    /// <summary>The predicted class name of one sample (from <see cref="Metadata"/>; the index when names are unknown).</summary>
    public string PredictClassName(float[] sample)
    {
        int c = PredictClass(sample);
        return c < Metadata.ClassNames.Count ? Metadata.ClassNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private Tensor Batch(float[][] samples)
    {
        var batch = new Tensor(InputShape.WithBatchDimension(samples.Length));
        for (int i = 0; i < samples.Length; i++)
        {
            if (samples[i] is null || samples[i].Length != InputShape.Count)
            {
                throw new ShapeMismatchException($"The model takes samples of {InputShape.Count} values (shape [{string.Join(", ", InputShape.ToArray())}]) but sample {i} has {samples[i]?.Length ?? 0}.");
            }

            samples[i].CopyTo(batch.Row(i));
        }

        return batch;
    }

    private Tensor Batch(float[,] samples)
    {
        if (samples.GetLength(1) != InputShape.Count)
        {
            throw new ShapeMismatchException($"The model takes samples of {InputShape.Count} values but the array has {samples.GetLength(1)} columns.");
        }

        var batch = new Tensor(InputShape.WithBatchDimension(samples.GetLength(0)));
        int k = 0;
        foreach (float v in samples)
        {
            batch[k++] = v;
        }

        return batch;
    }
}
