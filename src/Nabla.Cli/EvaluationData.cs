using Nabla.Data;

namespace Nabla.Cli;

/// <summary>The data <c>nabla evaluate</c> (or <c>nabla report</c>) scores a model on, and what it should tell the user
/// about it (<see cref="EvaluationSource"/>).</summary>
/// <param name="Data">The labelled samples, preprocessed as training preprocessed them.</param>
/// <param name="Raw">Their values as the file holds them (for error reports), with each row's place in the file.</param>
/// <param name="Source">Where they came from, for messages ("the 30 held-out test rows of flowers.csv").</param>
/// <param name="IncludesTrainingRows">Whether the samples are (or include) the model's training samples.</param>
/// <param name="Note">One line for the user when something about the data deserves a word, else null.</param>
internal sealed record EvaluationData(Dataset Data, RawRows Raw, string Source, bool IncludesTrainingRows, string? Note)
{
    /// <summary>The CSV file the samples are rows of; null for images.</summary>
    public string? CsvPath { get; init; }

    /// <summary>What the user should know about the rows as read (left out, imputed, unseen categories), one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
