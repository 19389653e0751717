using Nabla.Data;
using Nabla.Tensors;

namespace Nabla.Cli;

/// <summary>The data <c>nabla evaluate</c> (or <c>nabla report</c>) scores a model on, and what it should tell the user
/// about it (<see cref="EvaluationSource"/>).</summary>
/// <param name="Data">The labelled samples, scaled as training scaled them.</param>
/// <param name="RawFeatures">Their values as the file holds them (for error reports).</param>
/// <param name="Source">Where they came from, for messages ("the 30 held-out test rows of flowers.csv").</param>
/// <param name="IncludesTrainingRows">Whether the samples are (or include) the model's training samples.</param>
/// <param name="Note">One line for the user when something about the data deserves a word, else null.</param>
internal sealed record EvaluationData(Dataset Data, Tensor RawFeatures, string Source, bool IncludesTrainingRows, string? Note)
{
    /// <summary>The CSV file the samples are rows of; null for images.</summary>
    public string? CsvPath { get; init; }

    /// <summary>For a part of the CSV file (its held-out rows): the file's 0-based data row of each sample; null when
    /// sample i is data row i.</summary>
    public IReadOnlyList<int>? FileRows { get; init; }

    /// <summary>How many data rows the CSV file has (all of them, when <see cref="FileRows"/> picks a part).</summary>
    public int FileDataRows { get; init; }

    /// <summary>The file's 0-based data row of sample <paramref name="sample"/>.</summary>
    public int FileRow(int sample) => FileRows?[sample] ?? sample;
}
