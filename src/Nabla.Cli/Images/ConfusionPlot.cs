using System.Globalization;
using SkiaSharp;

namespace Nabla.Cli.Images;

/// <summary>
/// A confusion matrix as a heat map PNG: rows are true classes, columns predicted ones; each cell shows its count and
/// its share of the row (the recall of the diagonal), and is shaded by that share, so a weak class or a frequent
/// confusion stands out whatever the class sizes.
/// </summary>
internal static class ConfusionPlot
{
    public static byte[] Render(int[,] matrix, IReadOnlyList<string> classNames, string title)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(classNames);
        int k = classNames.Count;
        int cell = k <= 12 ? 52 : k <= 30 ? 32 : 20;
        float fontSize = k <= 12 ? 12 : k <= 30 ? 9 : 7;
        using SKTypeface typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var font = new SKFont(typeface, fontSize);
        using var small = new SKFont(typeface, fontSize - 2);
        using var titleFont = new SKFont(typeface, 15);
        float labelWidth = Math.Min(160, classNames.Max(n => font.MeasureText(n)) + 12);
        int left = (int)(labelWidth + 34), top = 70, size = cell * k;
        using var bitmap = new SKBitmap(new SKImageInfo(left + size + 20, top + size + 40, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var white = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xdd, 0xdd, 0xdd), Style = SKPaintStyle.Stroke };
        canvas.DrawText(title, 10, 22, titleFont, ink);
        canvas.DrawText("predicted class →", left + size / 2f, top - 30, SKTextAlign.Center, font, ink);
        canvas.Save();
        canvas.RotateDegrees(-90, 14, top + size / 2f);
        canvas.DrawText("true class →", 14, top + size / 2f + 4, SKTextAlign.Center, font, ink);
        canvas.Restore();
        for (int i = 0; i < k; i++)
        {
            int rowTotal = 0;
            for (int j = 0; j < k; j++)
            {
                rowTotal += matrix[i, j];
            }

            canvas.DrawText(Fit(classNames[i], font, labelWidth - 8), left - 6, top + i * cell + cell / 2f + fontSize / 3, SKTextAlign.Right, font, ink);
            canvas.DrawText(Fit(classNames[i], font, cell - 2), left + i * cell + cell / 2f, top - 8, SKTextAlign.Center, font, ink);
            for (int j = 0; j < k; j++)
            {
                double share = rowTotal == 0 ? 0 : (double)matrix[i, j] / rowTotal;
                var rect = new SKRect(left + j * cell, top + i * cell, left + (j + 1) * cell, top + (i + 1) * cell);
                using var fill = new SKPaint { Color = Shade(share, diagonal: i == j) };
                canvas.DrawRect(rect, fill);
                canvas.DrawRect(rect, grid);
                SKPaint text = share > 0.55 ? white : ink;
                if (matrix[i, j] == 0 && i != j)
                {
                    continue;
                }

                if (cell >= 32)
                {
                    canvas.DrawText(matrix[i, j].ToString(CultureInfo.InvariantCulture), rect.MidX, rect.MidY - 1, SKTextAlign.Center, font, text);
                    canvas.DrawText(Percent(share), rect.MidX, rect.MidY + fontSize, SKTextAlign.Center, small, text);
                }
                else
                {
                    canvas.DrawText(matrix[i, j].ToString(CultureInfo.InvariantCulture), rect.MidX, rect.MidY + fontSize / 3, SKTextAlign.Center, small, text);
                }
            }
        }

        return PngImages.Encode(bitmap);
    }

    /// <summary>The cell colour for a share of its row: blue on the diagonal (right), red off it (confusions), both
    /// from white at 0 to full at 1; the CSS colour of the same shade, for the HTML heat map.</summary>
    public static SKColor Shade(double share, bool diagonal)
    {
        (float r, float g, float b) full = diagonal ? (0x1f, 0x5f, 0xa8) : (0xc4, 0x30, 0x1b);
        // Off the diagonal a share of 0.5 is already a serious confusion: saturate sooner.
        float a = (float)Math.Clamp(diagonal ? share : Math.Sqrt(share * 2), 0, 1);
        return new SKColor((byte)(255 + (full.r - 255) * a), (byte)(255 + (full.g - 255) * a), (byte)(255 + (full.b - 255) * a));
    }

    /// <summary>"#rrggbb" of <see cref="Shade"/>.</summary>
    public static string Css(double share, bool diagonal)
    {
        SKColor c = Shade(share, diagonal);
        return $"#{c.Red:x2}{c.Green:x2}{c.Blue:x2}";
    }

    /// <summary>"97%" ("&lt;1%" for a share that rounds to 0 but is not 0).</summary>
    public static string Percent(double share) => share > 0 && share < 0.005 ? "<1%" : (share * 100).ToString("F0", CultureInfo.InvariantCulture) + "%";

    private static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }

        while (text.Length > 1 && font.MeasureText(text + "…") > width)
        {
            text = text[..^1];
        }

        return text + "…";
    }
}
