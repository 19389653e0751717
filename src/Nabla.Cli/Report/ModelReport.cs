using System.Globalization;
using Nabla.Cli.Html;
using Nabla.Cli.Images;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Metrics;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Training;

namespace Nabla.Cli.Report;

/// <summary>
/// <c>nabla report</c>'s page: what a saved model learned and how well, in one self-contained HTML file — the training
/// curves from the history in the model file, the classification report and confusion matrix (or, for regression,
/// predicted against actual and the residuals), the most confident mistakes, pictures of the first layer's weights,
/// the model's layers and its training settings. Sections that need data appear when the model was evaluated.
/// </summary>
internal static class ModelReport
{
    /// <summary>At most this many mistakes are shown (the most confident ones).</summary>
    public const int GalleryLimit = 120;

    /// <summary>At most this many rows of a table of samples are shown.</summary>
    public const int TableLimit = 100;

    private const int PictureZoom = 3;

    /// <summary>The page for <paramref name="model"/> (read from <paramref name="modelPath"/>), with the evaluation
    /// sections when <paramref name="evaluation"/> is given; <paramref name="sections"/> names what it shows.</summary>
    public static string Build(string modelPath, Sequential model, ModelMetadata metadata, ModelEvaluation? evaluation, List<string> sections)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(sections);
        var page = new HtmlPage($"Nabla report: {Path.GetFileName(modelPath)}");
        Overview(page, modelPath, model, metadata, evaluation);
        Curves(page, metadata.History, sections);
        if (evaluation?.Classification is { } metrics)
        {
            ClassificationSection(page, evaluation, metrics, sections);
            Mistakes(page, evaluation, sections);
        }
        else if (evaluation?.Regression is { } regression)
        {
            RegressionSection(page, evaluation, regression, sections);
        }

        FirstLayer(page, model, metadata, sections);
        Layers(page, model, metadata);
        Preprocessing(page, metadata, sections);
        Settings(page, metadata);
        string evaluated = evaluation is null
            ? metadata.Forecast is not null || metadata.Task == TaskKind.Text ? "not evaluated here (nabla train reports a sequence model's test figures next to its baselines)"
            : "not evaluated on data (give --data to add the evaluation sections)"
            : $"evaluated on {evaluation.Source} ({evaluation.Data.Count} samples{(evaluation.IncludesTrainingRows ? ": the rows the model was trained on included, so the figures are optimistic" : "")})";
        return page.ToHtml(string.Create(CultureInfo.InvariantCulture, $"{modelPath}, {evaluated}; written {DateTime.Now:yyyy-MM-dd HH:mm} by nabla report."));
    }

    private static void Overview(HtmlPage page, string modelPath, Sequential model, ModelMetadata metadata, ModelEvaluation? evaluation)
    {
        page.Section("Overview");
        var rows = new List<IReadOnlyList<HtmlCell>>
        {
            Row("model file", modelPath),
            Row("task", metadata.Task switch
            {
                TaskKind.Regression when metadata.Forecast is { } f => $"forecasting {metadata.TargetName ?? f.Columns[0]} {f.Horizon} step(s) ahead from windows of {f.Window}",
                TaskKind.Text => $"a character-level language model ({metadata.ClassNames.Count - 1} characters, lines up to {model.InputShape[0] - 1})",
                TaskKind.Regression => $"regression of {metadata.TargetName ?? "the target"}",
                TaskKind.Binary => $"binary classification ({string.Join(" / ", metadata.ClassNames)})",
                _ => $"classification into {metadata.ClassNames.Count} classes",
            }),
            Row("input", Input(model, metadata)),
            Row("layers", string.Join(" → ", model.Layers.Select(l => l.Kind))),
            Row("parameters", model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)),
        };
        if (metadata.History is { } history)
        {
            rows.Add(Row("trained", $"{history.Epochs.Count} epochs" + (history.StoppedEarly ? " (early stopping)" : "") + (history.Cancelled ? " (stopped by Ctrl+C)" : "")
                + (history.BestEpoch is { } best ? $", weights of epoch {best} kept" : "")));
        }

        if (evaluation?.Classification is { } metrics)
        {
            rows.Add(Row("accuracy", FormattableString.Invariant($"{metrics.Accuracy:F4} on {evaluation.Data.Count} samples of {evaluation.Source} ({evaluation.Mistakes.Count} misclassified)")));
        }
        else if (evaluation?.Regression is { } r)
        {
            rows.Add(Row("fit", FormattableString.Invariant($"R² {r.R2:F4}, RMSE {r.RootMeanSquaredError:G5}, MAE {r.MeanAbsoluteError:G5} on {evaluation.Data.Count} samples of {evaluation.Source}")));
        }

        page.Table([], rows);
    }

    private static void Curves(HtmlPage page, TrainingHistory? history, List<string> sections)
    {
        page.Section("Training curves");
        if (history is null || history.Epochs.Count == 0)
        {
            page.Note("This model file holds no training history (it was saved before nabla kept one, or by code that did not train it): train it again to see its curves.");
            return;
        }

        sections.Add("training curves");
        page.Image(PngImages.DataUri(CurvePlot.Render(history, ".png", 1000, 520)), "training curves: loss and accuracy per epoch", 1000, 520);
        bool accuracy = history.Epochs.Any(e => double.IsFinite(e.TrainAccuracy));
        bool validation = history.Epochs.Any(e => e.ValidationLoss is not null);
        page.Note("The training figures are running means over each epoch's batches" + (validation ? "; the validation figures are measured after the epoch, on the part held out (--val-split)." : " (no validation part was held out: train with --val-split to see one).")
            + (accuracy ? "" : " For regression the loss is the mean squared error of the standardized target, (y − mean)/std."));
        string[] header = ["epoch", "loss", .. accuracy ? ["accuracy"] : Array.Empty<string>(), .. validation ? ["val_loss"] : Array.Empty<string>(),
            .. validation && accuracy ? ["val_accuracy"] : Array.Empty<string>(), "learning rate"];
        IEnumerable<EpochReport> shown = history.Epochs.Count <= 40 ? history.Epochs
            : history.Epochs.Where((e, i) => i % (history.Epochs.Count / 20) == 0 || i == history.Epochs.Count - 1 || e.Epoch == history.BestEpoch);
        page.Table(header, shown.Select(e => (IReadOnlyList<HtmlCell>)[
            N(e.Epoch.ToString(CultureInfo.InvariantCulture) + (e.Epoch == history.BestEpoch ? " (best)" : "")), N(F4(e.TrainLoss)),
            .. accuracy ? [N(F4(e.TrainAccuracy))] : Array.Empty<HtmlCell>(),
            .. validation ? [N(F4(e.ValidationLoss ?? double.NaN))] : Array.Empty<HtmlCell>(),
            .. validation && accuracy ? [N(F4(e.ValidationAccuracy ?? double.NaN))] : Array.Empty<HtmlCell>(),
            N(e.LearningRate.ToString("G4", CultureInfo.InvariantCulture))]));
    }

    private static void ClassificationSection(HtmlPage page, ModelEvaluation evaluation, ClassificationMetrics metrics, List<string> sections)
    {
        sections.Add("classification report");
        int k = evaluation.Metadata.ClassNames.Count;
        page.Section("Classification report");
        page.Note(FormattableString.Invariant($"On {evaluation.Data.Count} samples of {evaluation.Source}: accuracy {metrics.Accuracy:F4}, log loss {ClassificationMetrics.LogLoss(evaluation.Labels, evaluation.Probabilities, k):F4}, top-2 accuracy {ClassificationMetrics.TopKAccuracy(evaluation.Labels, evaluation.Probabilities, k, 2):F4}. Precision: of the samples predicted as the class, the share that are; recall: of the samples of the class, the share found; F1: their harmonic mean; support: samples of the class."));
        IEnumerable<ClassScores> rows = [.. metrics.Classes, metrics.MacroAverage, metrics.WeightedAverage];
        page.Table(["class", "precision", "recall", "f1-score", "support"],
            rows.Select(c => (IReadOnlyList<HtmlCell>)[c.Name, N(F4(c.Precision)), N(F4(c.Recall)), N(F4(c.F1)), N(c.Support.ToString("N0", CultureInfo.InvariantCulture))]));

        sections.Add("confusion matrix");
        page.Section("Confusion matrix");
        page.Note("Rows are the true classes, columns the predicted ones. Left: counts; right: each row as shares of its class (the diagonal is the recall). Blue marks right answers, red the confusions, darker for a larger share of the row.");
        int[,] matrix = metrics.ConfusionMatrix;
        int[] totals = Enumerable.Range(0, k).Select(i => Enumerable.Range(0, k).Sum(j => matrix[i, j])).ToArray();
        double Share(int i, int j) => totals[i] == 0 ? 0 : (double)matrix[i, j] / totals[i];
        string[] header = ["true \\ predicted", .. evaluation.Metadata.ClassNames];
        string Style(int i, int j) => $"background:{ConfusionPlot.Css(Share(i, j), i == j)};color:{(Share(i, j) > 0.55 ? "#fff" : "#111")}";
        page.BeginRow().BeginBlock().Subheading("Counts")
            .Table(header, Enumerable.Range(0, k).Select(i => (IReadOnlyList<HtmlCell>)Enumerable.Range(0, k)
                .Select(j => new HtmlCell(matrix[i, j].ToString(CultureInfo.InvariantCulture), Style(i, j))).ToArray()), "heat", evaluation.Metadata.ClassNames)
            .EndBlock().BeginBlock().Subheading("Row-normalized")
            .Table(header, Enumerable.Range(0, k).Select(i => (IReadOnlyList<HtmlCell>)Enumerable.Range(0, k)
                .Select(j => new HtmlCell(matrix[i, j] == 0 && i != j ? "" : ConfusionPlot.Percent(Share(i, j)), Style(i, j))).ToArray()), "heat", evaluation.Metadata.ClassNames)
            .EndBlock().EndRow();
    }

    private static void Mistakes(HtmlPage page, ModelEvaluation evaluation, List<string> sections)
    {
        IReadOnlyList<Mistake> mistakes = evaluation.Mistakes;
        page.Section("Misclassified examples");
        if (mistakes.Count == 0)
        {
            page.Note("None: every sample is classified right.");
            return;
        }

        sections.Add($"{Math.Min(mistakes.Count, evaluation.Images is null ? TableLimit : GalleryLimit)} of {mistakes.Count} misclassified examples");
        if (evaluation.Images is { } layout)
        {
            int shown = Math.Min(GalleryLimit, mistakes.Count);
            page.Note($"The {(shown < mistakes.Count ? $"{shown} most confident of {mistakes.Count}" : $"{shown}")} mistakes, most confident first: above each picture its {(evaluation.IsCsv ? "row in the file" : "index in the file")}, below it the true class → the predicted one, and the probability the model gave its prediction. nabla evaluate --errors DIR writes them all.");
            page.Gallery(mistakes.Take(shown).Select(m => new GalleryItem(
                PngImages.DataUri(PngImages.Sample(evaluation.Raw.Row(m.Row), layout, 1)),
                $"{ErrorExamples.RowLabel(m.Row, evaluation)}: true {evaluation.ClassName(m.True)}, predicted {evaluation.ClassName(m.Predicted)}",
                [ErrorExamples.RowLabel(m.Row, evaluation), $"{evaluation.ClassName(m.True)} → {evaluation.ClassName(m.Predicted)}", "p = " + m.Probability.ToString("F2", CultureInfo.InvariantCulture)],
                layout.Width * PictureZoom, layout.Height * PictureZoom)));
        }

        if (evaluation.IsCsv && evaluation.Images is null)
        {
            Mistake[] shown = mistakes.Take(TableLimit).ToArray();
            var (header, rows) = ErrorExamples.Rows(evaluation, shown.Select(m => m.Row), shown.Select(m => new[]
            {
                evaluation.ClassName(m.True), evaluation.ClassName(m.Predicted), m.Probability.ToString("F4", CultureInfo.InvariantCulture),
            }), ["true", "predicted", "probability"]);
            page.Note($"The {(shown.Length < mistakes.Count ? $"{shown.Length} most confident of {mistakes.Count}" : $"{shown.Length}")} mistakes, most confident first, as the file has them: row is the data row's number in the file (1 = the first row after the header), then every column (those left out of training too), then the true and predicted class and the probability of the prediction.");
            page.Table(header, rows.Select(r => (IReadOnlyList<HtmlCell>)r.Select(c => new HtmlCell(c)).ToArray()));
        }
    }

    private static void RegressionSection(HtmlPage page, ModelEvaluation evaluation, RegressionMetrics r, List<string> sections)
    {
        sections.Add("predicted against actual, residuals");
        string target = evaluation.Metadata.TargetName ?? "target";
        page.Section("Predictions against the truth");
        page.Note($"On {evaluation.Data.Count} samples of {evaluation.Source}, in the units of {target} (the model's standardized outputs mapped back as y·std + mean).");
        page.Table(["metric", "value"],
        [
            [new HtmlCell("R²"), N(r.R2.ToString("F4", CultureInfo.InvariantCulture))],
            [new HtmlCell("RMSE"), N(r.RootMeanSquaredError.ToString("G6", CultureInfo.InvariantCulture))],
            [new HtmlCell("MAE"), N(r.MeanAbsoluteError.ToString("G6", CultureInfo.InvariantCulture))],
            [new HtmlCell("MSE"), N(r.MeanSquaredError.ToString("G6", CultureInfo.InvariantCulture))],
        ]);
        page.BeginRow()
            .Image(PngImages.DataUri(RegressionPlots.PredictedVersusActual(evaluation.Actual, evaluation.Predicted, target, 540, 460)), "predicted against actual", 540, 460)
            .Image(PngImages.DataUri(RegressionPlots.Residuals(evaluation.Actual, evaluation.Predicted, target, 540, 460)), "residuals against prediction", 540, 460)
            .EndRow();
        int[] worst = Enumerable.Range(0, evaluation.Actual.Length).OrderByDescending(i => Math.Abs(evaluation.Actual[i] - evaluation.Predicted[i])).Take(20).ToArray();
        var (header, rows) = ErrorExamples.Rows(evaluation, worst, worst.Select(i => new[]
        {
            G(evaluation.Actual[i]), G(evaluation.Predicted[i]), G(evaluation.Predicted[i] - evaluation.Actual[i]),
        }), ["true", "predicted", "error"]);
        page.Subheading("Largest errors");
        page.Table(header, rows.Select(row => (IReadOnlyList<HtmlCell>)row.Select(c => new HtmlCell(c)).ToArray()));
    }

    private static void FirstLayer(HtmlPage page, Sequential model, ModelMetadata metadata, List<string> sections)
    {
        ImageLayout? images = ImageLayout.Of(model.InputShape, metadata);
        if (WeightPictures.FirstLayer(model, images) is { } pictures)
        {
            sections.Add("first-layer weights");
            page.Section("What the first layer learned");
            page.Subheading(pictures.Title).Note(pictures.Note);
            page.Gallery(pictures.Pictures.Select(p => new GalleryItem(PngImages.DataUri(p.Png), string.Join(", ", p.Caption), p.Caption,
                pictures.Width * PictureZoom, pictures.Height * PictureZoom)));
            return;
        }

        Layer? first = model.Layers.FirstOrDefault(l => l.Parameters.Count > 0);
        if (first is Dense dense && metadata.FeatureNames is { } names && names.Count == dense.Weight.Shape[0])
        {
            // Tabular inputs: how strongly each (scaled) column feeds the first layer.
            sections.Add("first-layer weights per column");
            page.Section("What the first layer learned");
            int units = dense.Units;
            double[] strength = Enumerable.Range(0, names.Count).Select(i => Math.Sqrt(Enumerable.Range(0, units).Average(u => Math.Pow(dense.Weight.Value[i * units + u], 2)))).ToArray();
            double max = Math.Max(strength.Max(), 1e-30);
            page.Note($"For each input column, the root mean square of its weights into the {units} units of {dense.Describe()}. The columns were scaled ({metadata.Scaler?.Kind.ToString().ToLowerInvariant() ?? "none"}) before the layer, so the figures compare; a column near 0 hardly reaches the network.");
            page.Table(["column", "weight (RMS)", ""], Enumerable.Range(0, names.Count).OrderByDescending(i => strength[i]).Take(60).Select(i => (IReadOnlyList<HtmlCell>)
            [
                new HtmlCell(names[i]), N(strength[i].ToString("G3", CultureInfo.InvariantCulture)),
                new HtmlCell(new string('█', (int)Math.Round(30 * strength[i] / max)), "color:#1f5fa8;letter-spacing:-1px"),
            ]));
        }
    }

    private static void Layers(HtmlPage page, Sequential model, ModelMetadata metadata)
    {
        page.Section("Model");
        page.Table(["Layer (type)", "Output shape", "Param #"], model.SummaryRows().Select(r => (IReadOnlyList<HtmlCell>)
            [new HtmlCell(r.Layer), new HtmlCell(r.OutputShape), N(r.Parameters.ToString("N0", CultureInfo.InvariantCulture))]));
        page.Note($"Total parameters: {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}. Input: {Input(model, metadata)}. Output: " + metadata.Task switch
        {
            TaskKind.Regression => $"a linear value, the standardized target, mapped back as y·{metadata.TargetStd.ToString("G6", CultureInfo.InvariantCulture)} + {metadata.TargetMean.ToString("G6", CultureInfo.InvariantCulture)}",
            TaskKind.Binary => $"one logit, whose sigmoid is the probability of \"{metadata.ClassNames[1]}\"",
            TaskKind.Text => $"at every step, {model.OutputTransform.ToString().ToLowerInvariant()} over the vocabulary of {metadata.ClassNames.Count} tokens: the next character, or the end of the line",
            _ => $"{model.OutputTransform.ToString().ToLowerInvariant()} over {metadata.ClassNames.Count} classes ({string.Join(", ", metadata.ClassNames.Take(12))}{(metadata.ClassNames.Count > 12 ? ", …" : "")})",
        } + $". Loss: {metadata.Loss}.");
    }

    /// <summary>A table model's preprocessing, column by column, as <c>nabla summary</c> lists it.</summary>
    private static void Preprocessing(HtmlPage page, ModelMetadata metadata, List<string> sections)
    {
        if (metadata.Preprocessor is not { } preprocessor)
        {
            return;
        }

        sections.Add("preprocessing");
        page.Section("Preprocessing")
            .Note($"Fitted on the training part only and applied again to every row the model sees: {preprocessor.Columns.Count} columns become {preprocessor.OutputWidth} network inputs; " +
                $"missing cells (empty or {string.Join(", ", preprocessor.MissingValues)}) are {(preprocessor.RefuseMissing ? "refused (--missing error)" : "imputed")}.")
            .Table(["column", "preprocessing"], preprocessor.Describe().Select(d => (IReadOnlyList<HtmlCell>)[new HtmlCell(d.Column), new HtmlCell(d.Description)]));
    }

    private static void Settings(HtmlPage page, ModelMetadata metadata)
    {
        page.Section("Training settings");
        if (metadata.TrainingSettings is not { } settings)
        {
            page.Note("This model file does not record how it was trained.");
            return;
        }

        page.Table(["setting", "value"], settings.Select(s => (IReadOnlyList<HtmlCell>)[new HtmlCell(s.Key), new HtmlCell(s.Value)]));
    }

    private static string Input(Sequential model, ModelMetadata metadata) =>
        metadata.Task == TaskKind.Text ? $"[{model.InputShape[0]}] token ids: the line boundary, then a line's characters"
        : metadata.Forecast is { } f ? $"windows of {f.Window} steps of {string.Join(", ", f.Columns)}, {metadata.Scaler?.Kind.ToString().ToLowerInvariant() ?? "no"} scaling x' = (x − offset)·scale"
        : metadata.FeatureNames is { } names
        ? $"{names.Count} columns ({string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", …" : "")}), {metadata.Scaler?.Kind.ToString().ToLowerInvariant() ?? "no"} scaling x' = (x − offset)·scale"
        : $"[{string.Join(", ", model.InputShape.ToArray())}] values per sample, each multiplied by {metadata.InputScale.ToString("G4", CultureInfo.InvariantCulture)}{(Math.Abs(metadata.InputScale - 1f / 255) < 1e-9 ? " (1/255: bytes to [0, 1])" : "")}";

    private static IReadOnlyList<HtmlCell> Row(string name, string value) => [new HtmlCell(name, "font-weight:600"), new HtmlCell(value)];

    private static HtmlCell N(string text) => new(text, Numeric: true);

    private static string F4(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static string G(float value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
