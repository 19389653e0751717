namespace Nabla.Data.Preprocessing;

/// <summary>
/// The fitted preprocessing of one table column: how a missing cell is imputed and how the value becomes
/// <see cref="Width"/> network inputs. Made by <see cref="TabularPreprocessor.Fit"/> from the training part only,
/// stored in the model file, and applied to any rows (the training part, a validation or test part, prediction input).
/// </summary>
public abstract class ColumnEncoder
{
    private protected ColumnEncoder(string name, int missingInTraining)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(missingInTraining);
        (Name, MissingInTraining) = (name, missingInTraining);
    }

    /// <summary>The column's name in the table.</summary>
    public string Name { get; }

    /// <summary>The kind of column it reads.</summary>
    public abstract ColumnKind Kind { get; }

    /// <summary>Missing cells in the training part it was fitted on.</summary>
    public int MissingInTraining { get; }

    /// <summary>How many network inputs it writes.</summary>
    public abstract int Width { get; }

    /// <summary>A name for each input it writes ("sex=female", "zip#7", "bill_length_mm=missing").</summary>
    public abstract IReadOnlyList<string> OutputNames { get; }

    /// <summary>Whether input <paramref name="output"/> (of <see cref="Width"/>) is a number to scale (not a 0/1 input).</summary>
    public abstract bool IsScaled(int output);

    /// <summary>Imputation and encoding in words, for <c>nabla summary</c> and reports.</summary>
    public abstract string Describe();

    /// <summary>Writes the inputs of <paramref name="rows"/> of <paramref name="column"/>: row i's inputs start at
    /// <c>output[i·stride + offset]</c>; imputed and unknown cells are counted in <paramref name="report"/> under
    /// column <paramref name="index"/>.</summary>
    internal abstract void Encode(CsvColumn column, ReadOnlySpan<int> rows, Span<float> output, int stride, int offset, TransformReport report, int index);
}
