namespace Nabla.Data;

/// <summary>What a feature column of a table holds.</summary>
public enum ColumnKind
{
    /// <summary>Numbers (a missing cell is NaN).</summary>
    Numeric,

    /// <summary>Text categories (or numeric-looking codes declared categorical); a missing cell is code −1.</summary>
    Categorical,
}
