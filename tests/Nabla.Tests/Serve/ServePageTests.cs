using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Serve;

/// <summary>The draw-a-digit page in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium):
/// a stroke drawn on the canvas with the pointer is read off the page as the prediction (issue 15).</summary>
public sealed class ServePageTests : IDisposable
{
    private readonly string _profile = Directory.CreateTempSubdirectory("nabla-chromium-").FullName;
    private ServerRunner? _server;
    private ChromeDriver? _browser;

    public void Dispose()
    {
        _browser?.Quit();
        _browser?.Dispose();
        _server?.Dispose();
        Directory.Delete(_profile, recursive: true);
    }

    private ChromeDriver Open(string model)
    {
        _server = new ServerRunner("--model", model, "--workers", "1");
        _browser = Chromium.Start(_profile, 1000, 800);
        _browser.Navigate().GoToUrl(_server.Address);
        Wait(_browser).Until(d => d.FindElement(By.TagName("body")).GetAttribute("data-ready") == "true");
        return _browser;
    }

    private static WebDriverWait Wait(IWebDriver browser) => new(browser, TimeSpan.FromSeconds(30));

    /// <summary>Presses the pointer at <paramref name="points"/>[0] (fractions of the canvas, from its top left), moves
    /// through the others, and releases it when <paramref name="release"/>.</summary>
    private static void Stroke(ChromeDriver browser, IWebElement canvas, (double X, double Y)[] points, bool release = true)
    {
        int width = canvas.Size.Width, height = canvas.Size.Height;
        (int, int) At((double X, double Y) p) => ((int)((p.X - 0.5) * width), (int)((p.Y - 0.5) * height));
        var actions = new Actions(browser);
        var (x0, y0) = At(points[0]);
        actions.MoveToElement(canvas, x0, y0).ClickAndHold();
        foreach (var point in points.Skip(1))
        {
            var (x, y) = At(point);
            actions.MoveToElement(canvas, x, y);
        }

        if (release)
        {
            actions.Release();
        }

        actions.Perform();
    }

    private static (double, double)[] Line((double X, double Y) from, (double X, double Y) to, int steps = 12) =>
        Enumerable.Range(0, steps + 1).Select(i => (from.X + (to.X - from.X) * i / steps, from.Y + (to.Y - from.Y) * i / steps)).ToArray();

    private static string Prediction(IWebDriver browser) => browser.FindElement(By.Id("prediction")).Text.Trim();

    [ChromiumFact]
    public void A_digit_drawn_on_the_canvas_is_predicted_while_drawing_and_after()
    {
        ChromeDriver browser = Open(TrainedDigits.Model);
        IWebElement canvas = browser.FindElement(By.Id("pad"));

        // A one: a vertical stroke, slightly slanted. The page predicts before the pointer is released.
        Stroke(browser, canvas, Line((0.52, 0.15), (0.47, 0.85)), release: false);
        Wait(browser).Until(d => Prediction(d).Length > 0);
        new Actions(browser).Release().Perform();
        Wait(browser).Until(d => Prediction(d) == "1");
        Assert.Equal(10, browser.FindElements(By.CssSelector("#bars .bar")).Count);
        Assert.Equal("1", browser.FindElement(By.CssSelector("#bars .bar.best")).GetAttribute("data-class"));
        Wait(browser).Until(d => d.FindElement(By.CssSelector("#bars .bar.best .fill")).Size.Width > d.FindElement(By.CssSelector("#bars .bar.best .track")).Size.Width / 2);
        Assert.True(browser.FindElement(By.Id("seen-box")).Displayed);

        // A seven: a bar across the top, then down to the lower left.
        browser.FindElement(By.Id("clear")).Click();
        Assert.Equal("", Prediction(browser));
        Stroke(browser, canvas, [.. Line((0.25, 0.2), (0.75, 0.2)), .. Line((0.75, 0.2), (0.42, 0.85)).Skip(1)]);
        Wait(browser).Until(d => Prediction(d) == "7");
        Assert.Equal("", browser.FindElement(By.Id("error")).Text);
        if (Environment.GetEnvironmentVariable("NABLA_SCREENSHOTS") is { Length: > 0 } folder)
        {
            browser.GetScreenshot().SaveAsFile(Path.Combine(folder, "serve-seven.png"));
        }
    }

    [ChromiumFact]
    public void A_tabular_model_gets_a_form_of_its_columns()
    {
        string folder = Directory.CreateTempSubdirectory("nabla-form-").FullName;
        try
        {
            string csv = Path.Combine(folder, "points.csv");
            var random = new Random(4);
            File.WriteAllLines(csv, new[] { "width,height,kind" }.Concat(Enumerable.Range(0, 200).Select(i =>
            {
                double w = random.NextDouble() * 10, h = random.NextDouble() * 10;
                return FormattableString.Invariant($"{w:F3},{h:F3},{(w > h ? "wide" : "tall")}");
            })));
            string model = Path.Combine(folder, "points.nabla");
            var (code, _, error) = CliRunner.Run("train", "--data", csv, "--layers", "16", "--epochs", "60", "--lr", "0.02", "--out", model, "--quiet");
            Assert.True(code == 0, error);

            ChromeDriver browser = Open(model);
            Assert.False(browser.FindElement(By.Id("pad")).Displayed);
            browser.FindElement(By.Name("width")).SendKeys("9");
            browser.FindElement(By.Name("height")).SendKeys("1");
            browser.FindElement(By.Id("submit")).Click();
            Wait(browser).Until(d => Prediction(d) == "wide");
            browser.FindElement(By.Name("width")).Clear();
            browser.FindElement(By.Name("width")).SendKeys("0.5");
            browser.FindElement(By.Name("height")).Clear();
            browser.FindElement(By.Name("height")).SendKeys("8");
            browser.FindElement(By.Id("submit")).Click();
            Wait(browser).Until(d => Prediction(d) == "tall");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
