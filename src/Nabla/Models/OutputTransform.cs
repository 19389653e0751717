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
