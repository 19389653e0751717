using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>What turns the network's last output into probabilities at prediction time.</summary>
public enum OutputTransform
{
    /// <summary>The output is used as it is (probabilities already, or a regression value).</summary>
    None,

    /// <summary>Softmax over each row: the network ends in logits trained with softmax cross-entropy.</summary>
    Softmax,

    /// <summary>Sigmoid per value: the network ends in logits trained with binary cross-entropy.</summary>
    Sigmoid,
}

/// <summary>Classes from network outputs, for training accuracy, evaluation and prediction alike.</summary>
public static class OutputTransforms
{
    /// <summary>The class of each row of raw network outputs: the argmax, or for one output the side of the threshold
    /// (0 for logits under a sigmoid transform, 0.5 for probabilities).</summary>
    public static void PredictClasses(this OutputTransform transform, ReadOnlySpan<float> output, int outputs, Span<int> classes)
    {
        if (outputs == 1)
        {
            float threshold = transform == OutputTransform.Sigmoid ? 0f : 0.5f;
            for (int i = 0; i < classes.Length; i++)
            {
                classes[i] = output[i] > threshold ? 1 : 0;
            }

            return;
        }

        TensorMath.ArgMaxRows(output, outputs, classes);
    }

    /// <summary>Applies the transform to raw outputs [rows, outputs] (softmax per row, sigmoid per value, or a copy).</summary>
    public static void Apply(this OutputTransform transform, ReadOnlySpan<float> output, int outputs, Span<float> destination)
    {
        switch (transform)
        {
            case OutputTransform.Softmax:
                TensorMath.SoftmaxRows(output, outputs, destination);
                break;
            case OutputTransform.Sigmoid:
                TensorMath.Sigmoid(output, destination);
                break;
            default:
                output.CopyTo(destination);
                break;
        }
    }
}
