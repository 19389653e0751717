namespace Nabla.Layers;

/// <summary>What a layer setting holds, for checking values from model files and the <c>--arch</c> parser.</summary>
public enum ParameterKind
{
    /// <summary>A whole number (units, filters).</summary>
    Int,

    /// <summary>A finite number (a rate, a slope).</summary>
    Float,

    /// <summary>true or false.</summary>
    Bool,

    /// <summary>One of a fixed list of names (padding "valid" or "same").</summary>
    Choice,

    /// <summary>One positive whole number for both dimensions, or two (height, width): a kernel or a stride.</summary>
    Pair,

    /// <summary>A list of positive whole numbers (a target shape); takes every remaining positional argument.</summary>
    IntList,

    /// <summary>A whole number of up to 64 bits that the layer sets itself (a random seed); not given by users.</summary>
    Seed,
}
