using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Nabla.Tests.Testing;

/// <summary>Debian's headless Chromium driven through Selenium and Debian's chromedriver (both from apt: .ci/run
/// installs them when missing), for looking at pages as a browser draws them.</summary>
internal static class Chromium
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    public static bool IsInstalled => File.Exists(Browser) && File.Exists(Driver);

    /// <summary>A headless browser that reaches nothing but the pages it is given (no network services, a fresh
    /// profile); the caller disposes it.</summary>
    public static ChromeDriver Start(string profile, int width = 1200, int height = 3000)
    {
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile}", $"--window-size={width},{height}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
    }

    /// <summary>Opens <paramref name="path"/> and returns, for every &lt;img&gt;, whether it finished loading and its
    /// decoded size (0 × 0 for an image the browser could not decode).</summary>
    public static IReadOnlyList<(bool Complete, long Width, long Height, string Alt)> Images(IWebDriver driver, string path)
    {
        ArgumentNullException.ThrowIfNull(driver);
        driver.Navigate().GoToUrl(new Uri(Path.GetFullPath(path)).AbsoluteUri);
        var images = (IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt]);")!;
        return images.Select(o => (IReadOnlyList<object>)o).Select(a => ((bool)a[0], Convert.ToInt64(a[1], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(a[2], System.Globalization.CultureInfo.InvariantCulture), (string)a[3])).ToList();
    }
}

/// <summary>A fact that runs only where Chromium and chromedriver are installed, and is reported as skipped, saying
/// why, elsewhere.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!Chromium.IsInstalled)
        {
            Skip = $"Chromium is not installed ({Chromium.Browser} and {Chromium.Driver}; apt-get install chromium chromium-driver, as .ci/run does): the page is not rendered.";
        }
    }
}
