using ScottPlot;

namespace Nabla.Cli;

/// <summary>The look every plot shares: one sans-serif font for every text.</summary>
internal static class Plots
{
    /// <summary>DejaVu Sans where it is installed (Debian's default), else ScottPlot's own choice of a sans font.</summary>
    private static readonly string SansFont = SkiaSharp.SKFontManager.Default.FontFamilies.Contains("DejaVu Sans") ? "DejaVu Sans" : Fonts.Sans;

    public static void Style(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        plot.Font.Set(SansFont);
    }
}
