namespace Nabla.Cli.Serve;

/// <summary>A request nabla serve cannot answer: the HTTP status (4xx) and a one-line message for the client.</summary>
internal sealed class RequestException : Exception
{
    public RequestException(int status, string message)
        : base(message) => Status = status;

    public RequestException()
    {
    }

    public RequestException(string message)
        : base(message)
    {
    }

    public RequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>400 unless said otherwise.</summary>
    public int Status { get; } = 400;
}
