namespace Nabla.Layers;

/// <summary>A tensor reached a layer with a shape that layer cannot take. The message names the layer and both shapes.</summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>Creates the exception with a message that names the layer and both shapes.</summary>
    public ShapeMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public ShapeMismatchException()
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public ShapeMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
