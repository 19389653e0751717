using SkiaSharp;

namespace Nabla.Cli.Images;

/// <summary>One picture of a contact sheet with its two caption lines.</summary>
/// <param name="Rgba">The picture's RGBA bytes, row by row (<see cref="PngImages.Rgba"/>).</param>
/// <param name="Top">The small gray line above ("row 1234").</param>
/// <param name="Bottom">The line below ("7 → 2  0.98").</param>
internal sealed record SheetCell(byte[] Rgba, string Top, string Bottom);

/// <summary>Many small pictures on one PNG, in a grid, each with its caption, under a title: the misclassified
/// digits at a glance.</summary>
internal static class ContactSheet
{
    private const int Margin = 12, TitleHeight = 30, CaptionHeight = 15;

    public static byte[] Render(IReadOnlyList<SheetCell> cells, int width, int height, int zoom, string title, int columns = 16)
    {
        ArgumentNullException.ThrowIfNull(cells);
        int imageWidth = width * zoom, imageHeight = height * zoom;
        int cellWidth = Math.Max(imageWidth, 84) + 8, cellHeight = imageHeight + 2 * CaptionHeight + 10;
        int across = Math.Max(1, Math.Min(columns, cells.Count));
        int down = Math.Max(1, (cells.Count + across - 1) / across);
        using var sheet = new SKBitmap(new SKImageInfo(2 * Margin + across * cellWidth, 2 * Margin + TitleHeight + down * cellHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(sheet);
        canvas.Clear(SKColors.White);
        using SKTypeface typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var titleFont = new SKFont(typeface, 16);
        using var captionFont = new SKFont(typeface, 11);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var gray = new SKPaint { Color = new SKColor(0x70, 0x70, 0x70), IsAntialias = true };
        using var frame = new SKPaint { Color = new SKColor(0xd0, 0xd0, 0xd0), Style = SKPaintStyle.Stroke };
        canvas.DrawText(title, Margin, Margin + 18, titleFont, ink);
        for (int i = 0; i < cells.Count; i++)
        {
            float left = Margin + (i % across) * cellWidth, top = Margin + TitleHeight + (i / across) * cellHeight;
            float centre = left + cellWidth / 2f;
            canvas.DrawText(cells[i].Top, centre, top + CaptionHeight - 3, SKTextAlign.Center, captionFont, gray);
            using SKBitmap picture = PngImages.Bitmap(cells[i].Rgba, width, height, zoom);
            float x = centre - imageWidth / 2f, y = top + CaptionHeight;
            canvas.DrawBitmap(picture, x, y);
            canvas.DrawRect(x - 0.5f, y - 0.5f, imageWidth + 1, imageHeight + 1, frame);
            canvas.DrawText(cells[i].Bottom, centre, y + imageHeight + CaptionHeight - 2, SKTextAlign.Center, captionFont, ink);
        }

        return PngImages.Encode(sheet);
    }
}
