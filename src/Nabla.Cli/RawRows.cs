using System.Globalization;
using Nabla.Data;
using Nabla.Tensors;

namespace Nabla.Cli;

/// <summary>
/// The rows of an evaluation set as the user wrote them, before any preprocessing: the pixels of images (0..255), or
/// the cells of a CSV table (numbers and categories, missing cells empty) with the way back to each row's place in the
/// file (rows whose target is missing are left out, so row i need not be the file's data row i).
/// </summary>
internal sealed class RawRows
{
    private readonly Tensor? _pixels;

    // Row i of a part of the table (its held-out rows) is the table's row _rows[i]; null when row i is row i.
    private readonly int[]? _rows;

    /// <summary>Rows of pixels (an IDX file).</summary>
    public RawRows(Tensor pixels) => _pixels = pixels ?? throw new ArgumentNullException(nameof(pixels));

    /// <summary>Rows of a CSV table.</summary>
    public RawRows(CsvTable table) => Table = table ?? throw new ArgumentNullException(nameof(table));

    private RawRows(CsvTable table, int[] rows) => (Table, _rows) = (table, rows);

    /// <summary>The rows <paramref name="rows"/> of a table (row i of the result is row <c>rows[i]</c> of this one).</summary>
    public RawRows Subset(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (Table is null)
        {
            throw new InvalidOperationException("only a table's rows can be picked.");
        }

        return new RawRows(Table, rows.Select(r => _rows?[r] ?? r).ToArray());
    }

    /// <summary>The table, or null for pixels.</summary>
    public CsvTable? Table { get; }

    /// <summary>Values per row: pixels, or the table's feature columns.</summary>
    public int RowLength => _pixels?.RowLength ?? Table!.Columns.Count;

    /// <summary>Column names of a table (null for pixels).</summary>
    public IReadOnlyList<string>? Names => Table?.FeatureNames;

    /// <summary>Data records in the file, the rows left out included (for reading rows back from the file).</summary>
    public int SourceRecords => Table is null ? _pixels!.Rows : Math.Max(Table.DataRecords, Table.Rows);

    /// <summary>The 0-based data record in the file of row <paramref name="row"/>.</summary>
    public int SourceRow(int row) => Table?.SourceRowOf(TableRow(row)) ?? row;

    private int TableRow(int row) => _rows?[row] ?? row;

    /// <summary>Row <paramref name="row"/>'s values as numbers: the pixels, or a table's numeric cells (NaN where a cell
    /// is missing or a category).</summary>
    public float[] Row(int row)
    {
        if (_pixels is not null)
        {
            return _pixels.Row(row).ToArray();
        }

        row = TableRow(row);
        return Table!.Columns.Select(c => c.Numbers is { } numbers ? numbers[row] : float.NaN).ToArray();
    }

    /// <summary>Row <paramref name="row"/>'s cells as text (a missing cell is empty).</summary>
    public string[] Cells(int row)
    {
        if (Table is null)
        {
            return Row(row).Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray();
        }

        row = TableRow(row);
        return Table.Columns.Select(c => c.Numbers is { } numbers
            ? float.IsNaN(numbers[row]) ? "" : numbers[row].ToString("R", CultureInfo.InvariantCulture)
            : c.Codes![row] < 0 ? "" : c.Levels[c.Codes[row]]).ToArray();
    }
}
