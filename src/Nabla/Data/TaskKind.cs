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

    /// <summary>The next token at every step of a sequence (a character-level language model): token ids in, per-step
    /// logits over the vocabulary out, sparse cross-entropy on the next ids (−1 where a sequence has ended).</summary>
    Text,
}
