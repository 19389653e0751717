using Nabla.Data;
using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Cli;

/// <summary>
/// Picks the evaluation data with the model's record of its training data (<see cref="TrainingDataRecord"/>): without
/// <c>--data</c>, the test part of what the model was trained on — the t10k files of its folder or of the built-in
/// digits, the held-out rows of its CSV file (split again as training split them, and checked by fingerprint) — and a
/// refusal when that is not there or has changed; with <c>--data</c>, that data after checking its sample shape and
/// classes against the model's, with a note when it holds the training rows.
/// </summary>
internal static class EvaluationSource
{
    public static EvaluationData Choose(string? given, Sequential model, ModelMetadata metadata, string modelPath)
    {
        TrainingDataRecord? record = metadata.TrainingData;
        if (given is not null)
        {
            return Given(given, model, metadata, modelPath, record);
        }

        if (record is null)
        {
            throw new UsageException($"{modelPath} does not record the data it was trained on (it was saved by an older Nabla or by a program); give --data.");
        }

        switch (record.Kind)
        {
            case TrainingDataRecord.BuiltIn:
                return FromFolder(DataLocator.BuiltIn, record, metadata, modelPath);
            case TrainingDataRecord.Folder when Directory.Exists(record.Path):
                return FromFolder(record.Path, record, metadata, modelPath);
            case TrainingDataRecord.Folder when Mnist.LoadBuiltIn("t10k").Fingerprint() == record.TestSha256:
                return FromFolder(DataLocator.BuiltIn, record, metadata, modelPath);
            case TrainingDataRecord.Folder:
                throw new UsageException($"{modelPath} was trained on {record.Path}, which is not there any more; give --data.");
            default:
                return FromCsv(record, model, metadata, modelPath);
        }
    }

    /// <summary>The t10k part of the training folder (or of the built-in digits), if it is the one training tested on.</summary>
    private static EvaluationData FromFolder(string folder, TrainingDataRecord record, ModelMetadata metadata, string modelPath)
    {
        var (test, raw, notes) = DataPreparation.LoadForEvaluation(folder, metadata, 0);
        if (test.Fingerprint() != record.TestSha256)
        {
            throw new UsageException($"the test images of {DataLocator.Describe(folder)} have changed since {modelPath} was trained on them (their fingerprint differs); give --data.");
        }

        return new EvaluationData(test, raw, $"the test images of {DataLocator.Describe(folder)}", false, null) { Notes = notes };
    }

    /// <summary>The held-out rows of the training CSV, split off again as training did.</summary>
    private static EvaluationData FromCsv(TrainingDataRecord record, Sequential model, ModelMetadata metadata, string modelPath)
    {
        if (record.TestRows == 0)
        {
            throw new UsageException($"{modelPath} was trained with --test-split 0 on {record.Path}: it has no held-out rows to evaluate on; give --data.");
        }

        if (!File.Exists(record.Path))
        {
            throw new UsageException($"{modelPath} was trained on {record.Path}, which is not there any more; give --data.");
        }

        if (DataPreparation.FileSha256(record.Path) != record.FileSha256)
        {
            throw new UsageException($"{record.Path} has changed since {modelPath} was trained on it (its SHA-256 differs), so its held-out rows are unknown; give --data.");
        }

        var (all, raw, notes) = DataPreparation.LoadForEvaluation(record.Path, metadata, model.InputShape.Count);
        var (_, heldOut) = Splits.TrainTest(all.Count, all.Labels, record.TestSplit, record.Seed);
        Dataset test = all.Subset(heldOut);
        if (test.Fingerprint() != record.TestSha256)
        {
            throw new UsageException($"the held-out rows of {record.Path} could not be found again as {modelPath} was trained (their fingerprint differs); give --data.");
        }

        return new EvaluationData(test, raw.Subset(heldOut), $"the {test.Count} held-out test rows of {record.Path}", false, null)
        {
            CsvPath = record.Path,
            Notes = notes,
        };
    }

    private static EvaluationData Given(string given, Sequential model, ModelMetadata metadata, string modelPath, TrainingDataRecord? record)
    {
        var (rows, raw, notes) = DataPreparation.LoadForEvaluation(given, metadata, model.InputShape.Count);
        bool sameShape = rows.SampleShape.Equals(model.InputShape) || (model.InputShape.Rank == 1 && rows.FeatureCount == model.InputShape.Count);
        if (!sameShape)
        {
            throw new UsageException($"--data {given}: its samples are {rows.SampleShape} ({rows.FeatureCount} values) but the model {modelPath} takes {model.InputShape} ({model.InputShape.Count} values).");
        }

        if (metadata.Task != TaskKind.Regression && rows.ClassCount > metadata.ClassNames.Count)
        {
            throw new UsageException($"--data {given}: its labels go up to {rows.ClassCount - 1} but the model {modelPath} knows {metadata.ClassNames.Count} classes ({string.Join(", ", metadata.ClassNames.Take(10))}{(metadata.ClassNames.Count > 10 ? ", …" : "")}).");
        }

        bool training = false;
        string? note = null;
        if (record is not null)
        {
            if (record.Kind == TrainingDataRecord.Csv && File.Exists(given) && DataPreparation.FileSha256(given) == record.FileSha256)
            {
                training = true;
                note = record.TestRows > 0
                    ? $"{given} is the file {modelPath} was trained on: its {rows.Count} rows include the {record.TrainRows} training rows, so these figures flatter the model (without --data, nabla evaluate uses the {record.TestRows} held-out test rows)."
                    : $"{given} is the file {modelPath} was trained on: all {rows.Count} rows are training rows, so these figures flatter the model.";
            }
            else if (rows.Fingerprint() == record.TrainSha256)
            {
                training = true;
                note = $"the samples of {given} are exactly the ones {modelPath} was trained on, so these figures flatter the model.";
            }
        }

        bool csv = !DataLocator.IsImageFolder(given);
        return new EvaluationData(rows, raw, DataLocator.Describe(given), training, note)
        {
            CsvPath = csv ? given : null,
            Notes = notes,
        };
    }
}
