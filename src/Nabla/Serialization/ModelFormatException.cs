namespace Nabla.Serialization;

/// <summary>A model file is missing, truncated, corrupt, foreign or of an unsupported version. The message names the file.</summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public ModelFormatException()
    {
    }
}
