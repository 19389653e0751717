namespace Nabla.Data;

/// <summary>A data file is missing, truncated, corrupt or of the wrong kind. The message names the file and the problem.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public DataFormatException()
    {
    }
}
