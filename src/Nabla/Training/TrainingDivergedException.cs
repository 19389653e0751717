namespace Nabla.Training;

/// <summary>The loss became NaN or infinite. The message says at which epoch and batch, and what usually causes it.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public TrainingDivergedException()
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
