using System.Globalization;
using System.Text;
using Nabla.Cli.Html;
using Nabla.Cli.Images;
using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// The tutorials' error analysis: the examples a model gets wrong, written where a person can look at them — each
/// misclassified image as a PNG, all of them on one labelled contact sheet, an index.html that shows them with their
/// labels, and for CSV data errors.csv with each wrong row as the file has it (its row number and every column,
/// dropped ones and the target included) beside the prediction. Everything is ordered most confident mistake first.
/// </summary>
internal static class ErrorExamples
{
    /// <summary>The contact sheet's file name.</summary>
    public const string ContactSheetName = "contact-sheet.png";

    /// <summary>The index page's file name.</summary>
    public const string IndexName = "index.html";

    /// <summary>The table of wrong (or, for regression, all) rows.</summary>
    public const string CsvName = "errors.csv";

    /// <summary>At most this many pictures go on the contact sheet (the most confident mistakes).</summary>
    public const int SheetLimit = 800;

    private const int PngZoom = 4;

    /// <summary>Writes the misclassified samples of <paramref name="evaluation"/> into <paramref name="folder"/>;
    /// returns how many there are.</summary>
    public static int WriteMisclassified(string folder, ModelEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Directory.CreateDirectory(folder);
        IReadOnlyList<Mistake> mistakes = evaluation.Mistakes;
        var page = new HtmlPage($"{mistakes.Count} misclassified examples");
        string subtitle = $"{evaluation.Source}: {mistakes.Count} of {evaluation.Data.Count} samples are misclassified; most confident mistakes first.";
        if (evaluation.Images is { } layout)
        {
            var items = new List<GalleryItem>();
            foreach (Mistake m in mistakes)
            {
                string file = ImageFileName(m, evaluation);
                AtomicFile.WriteAllBytes(Path.Combine(folder, file), PngImages.Sample(evaluation.Raw.Row(m.Row), layout, PngZoom));
                items.Add(new GalleryItem(file, $"sample {RowLabel(m.Row, evaluation)}: true {evaluation.ClassName(m.True)}, predicted {evaluation.ClassName(m.Predicted)}",
                    [RowLabel(m.Row, evaluation), $"{evaluation.ClassName(m.True)} → {evaluation.ClassName(m.Predicted)}", P(m.Probability)],
                    layout.Width * 2, layout.Height * 2));
            }

            byte[] sheet = Sheet(evaluation, layout);
            AtomicFile.WriteAllBytes(Path.Combine(folder, ContactSheetName), sheet);
            page.Section("Contact sheet")
                .Note($"The {Math.Min(SheetLimit, mistakes.Count)} most confident mistakes: above each picture its {(evaluation.IsCsv ? "row in the file" : "index in the file")}, below it true → predicted class and the probability the model gave the prediction.")
                .Image(ContactSheetName, "contact sheet of the misclassified examples", Math.Min(1100, SheetWidth(layout, mistakes.Count)), 0)
                .Section("Every misclassified example")
                .Note($"Each is also a PNG in this folder, named with its index and its true and predicted class ({(mistakes.Count > 0 ? ImageFileName(mistakes[0], evaluation) : "none here")}).")
                .Gallery(items);
        }

        if (evaluation.IsCsv)
        {
            var (header, rows) = Rows(evaluation, mistakes.Select(m => m.Row), mistakes.Select(m => new[]
            {
                evaluation.ClassName(m.True), evaluation.ClassName(m.Predicted), m.Probability.ToString("F4", CultureInfo.InvariantCulture),
            }), ["true", "predicted", "probability"]);
            AtomicFile.WriteAllText(Path.Combine(folder, CsvName), Csv(header, rows));
            if (evaluation.Images is null)
            {
                // (a CSV of pixels has its pictures above; its rows of hundreds of values are in errors.csv only)
                page.Section("Misclassified rows")
                    .Note($"{CsvName} holds the same rows. row: the data row's number in the file (1 = the first row after the header); then every column as the file has it; then the true and predicted class and the predicted class's probability.")
                    .Table(header, rows.Take(500).Select(r => (IReadOnlyList<HtmlCell>)r.Select(c => new HtmlCell(c)).ToArray()));
            }
        }

        AtomicFile.WriteAllText(Path.Combine(folder, IndexName), page.ToHtml(subtitle));
        return mistakes.Count;
    }

    /// <summary>Regression: every sample with its true value, prediction and error, largest errors first, as
    /// errors.csv (with the original row and columns), and the largest 200 in index.html.</summary>
    public static void WriteRegression(string folder, ModelEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Directory.CreateDirectory(folder);
        float[] actual = evaluation.Actual, predicted = evaluation.Predicted;
        int[] order = Enumerable.Range(0, actual.Length).OrderByDescending(i => Math.Abs(actual[i] - predicted[i])).ThenBy(i => i).ToArray();
        var (header, rows) = Rows(evaluation, order, order.Select(i => new[] { R(actual[i]), R(predicted[i]), R(predicted[i] - actual[i]) }), ["true", "predicted", "error"]);
        AtomicFile.WriteAllText(Path.Combine(folder, CsvName), Csv(header, rows));
        var page = new HtmlPage("Largest regression errors");
        page.Section("Largest errors")
            .Note($"{CsvName} holds every row, largest error first: its number in the file, every column as the file has it, then the true value, the prediction and the error (prediction − truth), in the target's units.")
            .Table(header, rows.Take(200).Select(r => (IReadOnlyList<HtmlCell>)r.Select(c => new HtmlCell(c)).ToArray()));
        AtomicFile.WriteAllText(Path.Combine(folder, IndexName), page.ToHtml($"{evaluation.Source}: {actual.Length} samples."));
    }

    /// <summary>The contact sheet of the most confident mistakes (2× enlarged).</summary>
    public static byte[] Sheet(ModelEvaluation evaluation, ImageLayout layout)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        IEnumerable<SheetCell> cells = evaluation.Mistakes.Take(SheetLimit).Select(m => new SheetCell(
            PngImages.Rgba(evaluation.Raw.Row(m.Row), layout), RowLabel(m.Row, evaluation),
            $"{evaluation.ClassName(m.True)} → {evaluation.ClassName(m.Predicted)}  {m.Probability:F2}"));
        string shown = evaluation.Mistakes.Count > SheetLimit ? $", the {SheetLimit} most confident shown" : "";
        return ContactSheet.Render([.. cells], layout.Width, layout.Height, 2,
            $"{evaluation.Mistakes.Count} misclassified of {evaluation.Data.Count} (true → predicted, probability){shown}");
    }

    /// <summary>"row 12" (1-based data row of a CSV file) or "#11" (0-based index in an IDX file, as the PNG names).</summary>
    public static string RowLabel(int row, ModelEvaluation evaluation) =>
        evaluation.IsCsv ? $"row {evaluation.FileRowNumber(row)}" : "#" + row.ToString(CultureInfo.InvariantCulture);

    /// <summary>The header and rows of a table of samples: "row", the file's columns (or the model's features when the
    /// file cannot be re-read), then <paramref name="extraHeader"/> with each row's <paramref name="extra"/> values.</summary>
    public static (string[] Header, List<string[]> Rows) Rows(ModelEvaluation evaluation, IEnumerable<int> indices, IEnumerable<string[]> extra, string[] extraHeader)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        int[] rows = indices.ToArray();
        OriginalRows? original = evaluation.ReadOriginalRows(rows);
        IReadOnlyList<string> columns = original?.Header
            ?? evaluation.Metadata.FeatureNames ?? Enumerable.Range(0, evaluation.Raw.RowLength).Select(j => $"x{j}").ToArray();
        var table = new List<string[]>(rows.Length);
        using IEnumerator<string[]> tail = extra.GetEnumerator();
        foreach (int i in rows)
        {
            tail.MoveNext();
            string[] cells = original?.Rows[i] ?? evaluation.Raw.Cells(i);
            table.Add([evaluation.FileRowNumber(i).ToString(CultureInfo.InvariantCulture), .. cells, .. tail.Current]);
        }

        return ([evaluation.IsCsv ? "row" : "index", .. columns, .. extraHeader], table);
    }

    private static string ImageFileName(Mistake m, ModelEvaluation evaluation) =>
        $"{m.Row:D5}_true-{Safe(evaluation.ClassName(m.True))}_pred-{Safe(evaluation.ClassName(m.Predicted))}.png";

    private static int SheetWidth(ImageLayout layout, int count) => 24 + Math.Min(16, Math.Max(1, count)) * (Math.Max(layout.Width * 2, 84) + 8);

    private static string P(float probability) => "p = " + probability.ToString("F2", CultureInfo.InvariantCulture);

    private static string R(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Csv(string[] header, List<string[]> rows)
    {
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", header.Select(Quote)));
        foreach (string[] row in rows)
        {
            csv.AppendLine(string.Join(",", row.Select(Quote)));
        }

        return csv.ToString();
    }

    private static string Safe(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());

    private static string Quote(string text) => text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
