namespace Nabla.Data;

/// <summary>What a dataset's target is, and so which output layer and loss fit it.</summary>
public enum TaskKind
{
    /// <summary>One of several classes: softmax output, softmax cross-entropy, one-hot targets.</summary>
    Classification,

    /// <summary>One of two classes: one sigmoid output, binary cross-entropy, a 0/1 target.</summary>
    Binary,

    /// <summary>A number: linear output, mean squared error, target standardized internally.</summary>
    Regression,
}
