namespace Nabla.Data;

/// <summary>
/// One feature column of a <see cref="CsvTable"/>: numbers (<see cref="Numbers"/>, NaN where a cell is missing) or
/// categories (<see cref="Codes"/> into <see cref="Levels"/>, −1 where a cell is missing). Each distinct text is held
/// once, so a categorical column costs 4 bytes a row plus its distinct values.
/// </summary>
public sealed class CsvColumn
{
    internal CsvColumn(string name, int fileColumn, float[]? numbers, int[]? codes, string[] levels, int missing, int numberCells, int firstTextLine, bool declared)
    {
        (Name, FileColumn, Numbers, Codes, Levels) = (name, fileColumn, numbers, codes, levels);
        (MissingCount, NumberCells, FirstTextLine, Declared) = (missing, numberCells, firstTextLine, declared);
    }

    /// <summary>The column's name (from the header, else column0, column1, …).</summary>
    public string Name { get; }

    /// <summary>The column's 0-based position in the file (for messages: column <c>FileColumn + 1</c>).</summary>
    public int FileColumn { get; }

    /// <summary>Numbers or categories.</summary>
    public ColumnKind Kind => Numbers is null ? ColumnKind.Categorical : ColumnKind.Numeric;

    /// <summary>A numeric column's values, one per row; NaN marks a missing cell. Null for a categorical column.</summary>
    public float[]? Numbers { get; }

    /// <summary>A categorical column's codes, one per row: an index into <see cref="Levels"/>, or −1 for a missing
    /// cell. Null for a numeric column.</summary>
    public int[]? Codes { get; }

    /// <summary>A categorical column's distinct texts (trimmed), in order of first appearance; empty for a numeric column.</summary>
    public IReadOnlyList<string> Levels { get; }

    /// <summary>Cells that were missing (empty, or one of <see cref="CsvOptions.MissingValues"/>).</summary>
    public int MissingCount { get; }

    /// <summary>A categorical column found from its cells (not declared): how many of its cells are numbers (fewer than
    /// its texts: a column of mostly numbers with some text is an error, a typo or an unlisted missing-value marker).</summary>
    public int NumberCells { get; }

    /// <summary>A categorical column found from its cells: the file line of its first cell that is not a number.</summary>
    public int FirstTextLine { get; }

    /// <summary>Whether the column is categorical because <see cref="CsvOptions.Categorical"/> named it.</summary>
    public bool Declared { get; }
}
