namespace Nabla.Onnx;

/// <summary>A model that cannot be written as ONNX (a layer kind without a mapping); the message is one line naming
/// the layer and the kinds that can be exported.</summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxExportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public OnnxExportException()
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OnnxExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
