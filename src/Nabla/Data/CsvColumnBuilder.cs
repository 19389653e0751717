namespace Nabla.Data;

/// <summary>
/// One feature column as <see cref="CsvLoader"/> reads it: numbers until a cell is neither a number nor missing, then
/// categories — at once when no number came before (a text column whose first cells are missing), else the loader
/// reads the file again with the column categorical, so that its levels are the file's exact texts.
/// </summary>
internal sealed class CsvColumnBuilder
{
    private readonly bool _declared;
    private float[]? _numbers;
    private int[]? _codes;
    private Dictionary<string, int>? _index;
    private List<string>? _levels;
    private int _missing, _numberCells, _textCells, _firstTextLine;
    private string? _firstText;

    public CsvColumnBuilder(int fileColumn, int capacity, bool categorical, bool declared)
    {
        (FileColumn, _declared) = (fileColumn, declared);
        if (categorical)
        {
            StartCategories(new int[capacity]);
        }
        else
        {
            _numbers = new float[capacity];
        }
    }

    /// <summary>The column's 0-based position in the file.</summary>
    public int FileColumn { get; }

    public bool IsCategorical => _codes is not null;

    /// <summary>Whether the column is categorical only because of its cells (not declared) while most of its filled
    /// cells are numbers: a typo or an unlisted missing-value marker, not categories.</summary>
    public bool MostlyNumbers => !_declared && _textCells > 0 && _numberCells >= _textCells;

    public int NumberCells => _numberCells;

    public int TextCells => _textCells;

    /// <summary>The first cell that is not a number, and its line.</summary>
    public (string Text, int Line) FirstText => (_firstText ?? "", _firstTextLine);

    public void AddMissing(int row)
    {
        if (_codes is not null)
        {
            Reserve(ref _codes, row)[row] = -1;
        }
        else
        {
            Reserve(ref _numbers!, row)[row] = float.NaN;
        }

        _missing++;
    }

    public void AddNumber(int row, float value)
    {
        Reserve(ref _numbers!, row)[row] = value;
        _numberCells++;
    }

    /// <summary>A categorical cell (trimmed, not missing); <paramref name="isNumber"/> counts numeric-looking cells.</summary>
    public void AddText(int row, ReadOnlySpan<char> text, bool isNumber, int line)
    {
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup = _index!.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(text, out int code))
        {
            code = _levels!.Count;
            string level = text.ToString();
            _levels.Add(level);
            _index[level] = code;
        }

        Reserve(ref _codes!, row)[row] = code;
        if (isNumber)
        {
            _numberCells++;
        }
        else
        {
            NoteText(text, line);
        }
    }

    /// <summary>A text cell in a numeric column: the column turns categorical when no number came before (true);
    /// otherwise it is mixed (false) and the cell is a placeholder until the second pass.</summary>
    public bool TryBecomeCategorical(int row, ReadOnlySpan<char> text, int line)
    {
        if (_numberCells > 0)
        {
            Reserve(ref _numbers!, row)[row] = float.NaN;
            NoteText(text, line);
            return false;
        }

        var codes = new int[Math.Max(_numbers!.Length, row + 1)];
        codes.AsSpan(0, row).Fill(-1);
        _numbers = null;
        StartCategories(codes);
        AddText(row, text, isNumber: false, line);
        return true;
    }

    public CsvColumn Build(string name, int rows)
    {
        if (_codes is not null)
        {
            return new CsvColumn(name, FileColumn, null, Trim(_codes, rows), [.. _levels!], _missing, _numberCells, _firstTextLine, _declared);
        }

        return new CsvColumn(name, FileColumn, Trim(_numbers!, rows), null, [], _missing, 0, 0, declared: false);
    }

    private void NoteText(ReadOnlySpan<char> text, int line)
    {
        _textCells++;
        if (_firstTextLine == 0)
        {
            (_firstText, _firstTextLine) = (text.ToString(), line);
        }
    }

    private void StartCategories(int[] codes)
    {
        _codes = codes;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        _levels = [];
    }

    private static T[] Reserve<T>(ref T[] values, int row)
    {
        if (row >= values.Length)
        {
            Array.Resize(ref values, (int)Math.Min(Array.MaxLength, values.Length * 3L / 2 + 16));
        }

        return values;
    }

    private static T[] Trim<T>(T[] values, int rows)
    {
        if (values.Length != rows)
        {
            Array.Resize(ref values, rows);
        }

        return values;
    }
}
