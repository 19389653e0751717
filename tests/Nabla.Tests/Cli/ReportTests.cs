using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Cli;

/// <summary>A digit model trained once for the report tests (early stopping, so the curves mark a best epoch).</summary>
public sealed class ReportModelFixture : IDisposable
{
    public ReportModelFixture()
    {
        Data = TestData.WriteSlice(1000, 300);
        Folder = Directory.CreateTempSubdirectory("nabla-report-model-").FullName;
        Model = Path.Combine(Folder, "digits.nabla");
        var (code, _, error) = CliRunner.Run("train", "--data", Data, "--layers", "24", "--epochs", "6", "--val-split", "0.2", "--early-stopping", "--patience", "2", "--out", Model, "--quiet");
        Assert.True(code == 0, error);
    }

    public string Data { get; }

    public string Folder { get; }

    public string Model { get; }

    public void Dispose()
    {
        Directory.Delete(Data, recursive: true);
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>nabla report: one self-contained HTML file with every section, and every picture decoded by a browser.</summary>
public sealed partial class ReportTests(ReportModelFixture digits) : IDisposable, IClassFixture<ReportModelFixture>
{
    private readonly string _data = digits.Data;
    private readonly string _work = Directory.CreateTempSubdirectory("nabla-report-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [GeneratedRegex("<img [^>]*src=\"([^\"]*)\"")]
    private static partial Regex ImageSource();

    private string TrainDigits() => digits.Model;

    private string HousesCsv()
    {
        var text = new StringBuilder("id,size,age,price\n");
        var random = new Random(2);
        for (int i = 0; i < 200; i++)
        {
            double size = 30 + 170 * random.NextDouble(), age = 80 * random.NextDouble();
            text.Append(CultureInfo.InvariantCulture, $"h{i},{size:F1},{age:F1},{3000 * size - 500 * age + 20000 * random.NextDouble():F0}\n");
        }

        string path = Path.Combine(_work, "houses.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void An_image_model_report_is_one_file_with_every_section_and_only_inline_images()
    {
        string model = TrainDigits(), report = Path.Combine(_work, "report.html");
        var (code, output, error) = CliRunner.Run("report", "--model", model, "--data", _data, "--out", report);
        Assert.True(code == 0, error);
        Assert.Contains("training curves, classification report, confusion matrix", output);
        string html = File.ReadAllText(report);
        foreach (string section in new[] { "Training curves", "Classification report", "Confusion matrix", "Misclassified examples", "What the first layer learned", "Model", "Training settings", "weighted avg", "Row-normalized", "(best)" })
        {
            Assert.Contains(section, html);
        }

        string[] sources = ImageSource().Matches(html).Select(m => m.Groups[1].Value).ToArray();
        Assert.All(sources, s => Assert.StartsWith("data:image/png;base64,", s));
        // the curves, up to 120 mistakes and the 24 units' pictures
        Assert.InRange(sources.Length, 1 + 1 + 24, 1 + 120 + 24);
        Assert.Equal(24, Regex.Count(html, "alt=\"unit \\d+, ±"));
        Assert.DoesNotContain("http:", html);
        Assert.DoesNotContain("https:", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
    }

    [Fact]
    public void A_csv_report_without_data_is_on_the_held_out_rows_or_keeps_the_curves_and_a_regression_report_has_its_plots_and_original_rows()
    {
        string data = HousesCsv(), model = Path.Combine(_work, "houses.nabla"), withData = Path.Combine(_work, "houses.html"), without = Path.Combine(_work, "bare.html");
        Assert.Equal(0, CliRunner.Run("train", "--data", data, "--target", "price", "--drop", "id", "--layers", "8", "--epochs", "20", "--lr", "0.01", "--out", model, "--quiet").Code);

        // Without --data: the held-out test rows of the training file (as nabla evaluate), named by their rows in the file.
        var heldOut = CliRunner.Run("report", "--model", model, "--out", without);
        Assert.True(heldOut.Code == 0, heldOut.Error);
        string heldOutHtml = File.ReadAllText(without);
        Assert.Contains("Training curves", heldOutHtml);
        Assert.Contains("Predictions against the truth", heldOutHtml);
        Assert.Contains("the 40 held-out test rows of", heldOutHtml);
        Assert.DoesNotContain("optimistic", heldOutHtml);
        var rows = System.Text.RegularExpressions.Regex.Matches(heldOutHtml, "<tr><td>([0-9]+)</td><td>h([0-9]+)</td>");
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(int.Parse(r.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(r.Groups[2].Value, CultureInfo.InvariantCulture) + 1));

        var full = CliRunner.Run("report", "--model", model, "--data", data, "--out", withData);
        Assert.True(full.Code == 0, full.Error);
        string html = File.ReadAllText(withData);
        Assert.Contains("Predicted against actual".ToLowerInvariant(), html.ToLowerInvariant());
        Assert.Contains("Largest errors", html);
        Assert.Contains("<th>id</th>", html); // the dropped column is shown from the file
        Assert.Contains("<td>h", html);
        Assert.Contains("size", html);
        Assert.DoesNotContain("Classification report", html);
        Assert.DoesNotContain("<th>accuracy</th>", html);
        Assert.Contains("optimistic", html); // every row of the training file

        // Without the training file there is nothing to evaluate on: the report has the model only, and says why.
        File.Move(data, data + ".moved");
        var bare = CliRunner.Run("report", "--model", model, "--out", without);
        Assert.True(bare.Code == 0, bare.Error);
        string bareHtml = File.ReadAllText(without);
        Assert.Contains("Training curves", bareHtml);
        Assert.DoesNotContain("Predictions against the truth", bareHtml);
        Assert.Contains("give --data", bareHtml);
        Assert.Contains("which is not there any more", bare.Error);

        var notHtml = CliRunner.Run("report", "--model", model, "--out", Path.Combine(_work, "r.png"));
        Assert.Equal(2, notHtml.Code);
        Assert.Contains("--out", notHtml.Error);
        var missing = CliRunner.Run("report", "--model", Path.Combine(_work, "none.nabla"), "--out", withData);
        Assert.Equal(2, missing.Code);
        Assert.Single(missing.Error.Trim().Split('\n'));
    }

    [Fact]
    public void A_checkpoint_folder_reports_the_run_so_far_with_its_epochs()
    {
        string checkpoint = Path.Combine(_work, "run"), model = Path.Combine(_work, "run.nabla"), report = Path.Combine(_work, "run.html");
        Assert.Equal(0, CliRunner.Run("train", "--data", _data, "--layers", "8", "--epochs", "3", "--val-split", "0.2", "--checkpoint", checkpoint, "--out", model, "--quiet").Code);
        var (code, _, error) = CliRunner.Run("report", "--model", checkpoint, "--data", _data, "--out", report);
        Assert.True(code == 0, error);
        string html = File.ReadAllText(report);
        Assert.Contains("Training curves", html, StringComparison.Ordinal);
        // the three epochs of the checkpoint's training state, with their validation figures
        Assert.Equal(3, Regex.Matches(html, @"<tr><td class=""num"">[123]</td><td class=""num"">\d").Count);
        Assert.Contains("val_loss", html, StringComparison.Ordinal);

        var notCheckpoint = CliRunner.Run("report", "--model", _work, "--out", report);
        Assert.Equal(2, notCheckpoint.Code);
        Assert.Contains("no checkpoint here", notCheckpoint.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_file_without_a_history_gets_a_report_that_says_so()
    {
        var model = new Nabla.Models.Sequential(1, 28, 28) { new Nabla.Layers.Flatten(), new Nabla.Layers.Dense(10) };
        model.Initialize(1);
        model.OutputTransform = Nabla.Models.OutputTransform.Softmax;
        string path = Path.Combine(_work, "old.nabla"), report = Path.Combine(_work, "old.html");
        Nabla.Serialization.ModelFile.Save(path, model, new Nabla.Serialization.ModelMetadata(Enumerable.Range(0, 10).Select(i => $"{i}").ToArray(), 1f / 255, "cross-entropy"));
        var (code, _, error) = CliRunner.Run("report", "--model", path, "--data", _data, "--out", report);
        Assert.True(code == 0, error);
        string html = File.ReadAllText(report);
        Assert.Contains("holds no training history", html);
        Assert.Contains("does not record how it was trained", html);
        Assert.Contains("Confusion matrix", html);
        Assert.Contains("10 dense units", html);
    }

    [ChromiumFact]
    public void Chromium_decodes_every_image_of_the_reports_and_of_the_error_index()
    {
        string model = TrainDigits(), report = Path.Combine(_work, "report.html"), errors = Path.Combine(_work, "errors");
        Assert.Equal(0, CliRunner.Run("report", "--model", model, "--data", _data, "--out", report).Code);
        Assert.Equal(0, CliRunner.Run("evaluate", "--model", model, "--data", _data, "--errors", errors).Code);
        string data = HousesCsv(), houses = Path.Combine(_work, "houses.nabla"), housesReport = Path.Combine(_work, "houses.html");
        Assert.Equal(0, CliRunner.Run("train", "--data", data, "--drop", "id", "--layers", "8", "--epochs", "10", "--out", houses, "--quiet").Code);
        Assert.Equal(0, CliRunner.Run("report", "--model", houses, "--data", data, "--out", housesReport).Code);

        string profile = Directory.CreateTempSubdirectory("nabla-chromium-").FullName;
        try
        {
            using var driver = Chromium.Start(profile);
            foreach (var (page, least) in new[] { (report, 27), (Path.Combine(errors, "index.html"), 2), (housesReport, 3) })
            {
                var images = Chromium.Images(driver, page);
                Assert.True(images.Count >= least, $"{page}: {images.Count} images");
                Assert.All(images, i => Assert.True(i.Complete && i.Width > 0 && i.Height > 0, $"{page}: the image '{i.Alt}' did not decode ({i.Width}×{i.Height})"));
            }

            // The control: a copy with one picture's PNG bytes damaged must show up as not decoded.
            string damaged = Path.Combine(_work, "damaged.html");
            File.WriteAllText(damaged, new Regex("base64,iVBOR").Replace(File.ReadAllText(report), "base64,AAAAA", 1));
            Assert.Single(Chromium.Images(driver, damaged), i => i.Width == 0);

            driver.Navigate().GoToUrl(new Uri(housesReport).AbsoluteUri);
            Assert.StartsWith("Nabla report", driver.Title, StringComparison.Ordinal);
            byte[] screenshot = ((OpenQA.Selenium.ITakesScreenshot)driver).GetScreenshot().AsByteArray;
            Assert.True(screenshot.Length > 10_000);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
