namespace Nabla.Onnx;

/// <summary>An attribute of an ONNX node: a number, a whole number or a list of whole numbers, by name.</summary>
/// <param name="Name">As the operator's specification names it ("alpha", "axis", "epsilon").</param>
/// <param name="Float">The value of a float attribute.</param>
/// <param name="Int">The value of an int attribute.</param>
/// <param name="Ints">The value of an ints attribute.</param>
public sealed record OnnxAttribute(string Name, float? Float = null, long? Int = null, IReadOnlyList<long>? Ints = null)
{
    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);

    /// <summary>An int attribute.</summary>
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);

    /// <summary>An ints attribute.</summary>
    public static OnnxAttribute Of(string name, params long[] values) => new(name, Ints: values);
}
