using System.Text;

namespace Nabla.Cli.Html;

/// <summary>One table cell: its text, and optionally an inline style (a heat map's background) and right alignment.</summary>
/// <param name="Text">Shown as text (escaped).</param>
/// <param name="Style">An inline CSS style, or null.</param>
/// <param name="Numeric">Right-aligned, tabular figures.</param>
internal sealed record HtmlCell(string Text, string? Style = null, bool Numeric = false)
{
    public static implicit operator HtmlCell(string text) => new(text);
}

/// <summary>One picture of a gallery: its source (a data: URI or a file name beside the page), caption lines and
/// alternative text.</summary>
internal sealed record GalleryItem(string Source, string Alt, IReadOnlyList<string> Caption, int Width, int Height);

/// <summary>
/// A self-contained HTML page built section by section: its style is inline, it loads nothing (no scripts, fonts or
/// images from elsewhere; pictures are data: URIs or files beside it), so it opens from disk anywhere. Every text is
/// escaped.
/// </summary>
internal sealed class HtmlPage
{
    private const string Style = """
        body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; margin: 0 auto; max-width: 1140px; padding: 24px 28px 60px; line-height: 1.45; }
        h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 34px 0 10px; padding-top: 10px; border-top: 1px solid #ddd; }
        h3 { font-size: 16px; margin: 18px 0 8px; } p.note { color: #555; font-size: 13px; margin: 4px 0 10px; }
        nav { font-size: 13px; margin: 8px 0 0; } nav a { margin-right: 14px; color: #1f5fa8; text-decoration: none; }
        table { border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }
        th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f3f4f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.heat td { text-align: center; min-width: 34px; } table.heat th { text-align: center; }
        .scroll { overflow-x: auto; max-width: 100%; }
        .gallery { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 16px; }
        figure { margin: 0; text-align: center; font-size: 11px; color: #333; }
        figure img { display: block; margin: 0 auto 2px; border: 1px solid #ccc; image-rendering: pixelated; }
        figcaption span { display: block; } figcaption span.dim { color: #777; }
        img.plot { max-width: 100%; height: auto; border: 0; image-rendering: auto; }
        .row { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
        """;

    private readonly string _title;
    private readonly StringBuilder _body = new();
    private readonly List<(string Id, string Title)> _sections = [];

    public HtmlPage(string title) => _title = title;

    /// <summary>A section heading (h2) that the page's table of contents links to.</summary>
    public HtmlPage Section(string title)
    {
        string id = "s" + (_sections.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _sections.Add((id, title));
        _body.Append("<h2 id=\"").Append(id).Append("\">").Append(Escape(title)).Append("</h2>\n");
        return this;
    }

    public HtmlPage Subheading(string text)
    {
        _body.Append("<h3>").Append(Escape(text)).Append("</h3>\n");
        return this;
    }

    public HtmlPage Paragraph(string text)
    {
        _body.Append("<p>").Append(Escape(text)).Append("</p>\n");
        return this;
    }

    /// <summary>A smaller gray paragraph: what a figure shows and how it was made.</summary>
    public HtmlPage Note(string text)
    {
        _body.Append("<p class=\"note\">").Append(Escape(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Starts a row of side-by-side blocks (<see cref="EndRow"/> closes it).</summary>
    public HtmlPage BeginRow()
    {
        _body.Append("<div class=\"row\">\n");
        return this;
    }

    public HtmlPage EndRow()
    {
        _body.Append("</div>\n");
        return this;
    }

    public HtmlPage BeginBlock()
    {
        _body.Append("<div>\n");
        return this;
    }

    public HtmlPage EndBlock() => EndRow();

    /// <summary>A table; no header row when <paramref name="headers"/> is empty; <paramref name="rowHeaders"/> start each row.</summary>
    public HtmlPage Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<HtmlCell>> rows, string? cssClass = null, IReadOnlyList<string>? rowHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        _body.Append("<div class=\"scroll\"><table").Append(cssClass is null ? "" : $" class=\"{cssClass}\"").Append('>');
        if (headers.Count > 0)
        {
            _body.Append("<thead><tr>");
            foreach (string header in headers)
            {
                _body.Append("<th>").Append(Escape(header)).Append("</th>");
            }

            _body.Append("</tr></thead>");
        }

        _body.Append("<tbody>\n");
        int r = 0;
        foreach (IReadOnlyList<HtmlCell> row in rows)
        {
            _body.Append("<tr>");
            if (rowHeaders is not null)
            {
                _body.Append("<th>").Append(Escape(rowHeaders[r])).Append("</th>");
            }

            foreach (HtmlCell cell in row)
            {
                _body.Append("<td");
                if (cell.Numeric)
                {
                    _body.Append(" class=\"num\"");
                }

                if (cell.Style is not null)
                {
                    _body.Append(" style=\"").Append(Escape(cell.Style)).Append('"');
                }

                _body.Append('>').Append(Escape(cell.Text)).Append("</td>");
            }

            _body.Append("</tr>\n");
            r++;
        }

        _body.Append("</tbody></table></div>\n");
        return this;
    }

    /// <summary>A figure: a plot (scaled down to the page width) with alternative text; a height of 0 leaves it to the image.</summary>
    public HtmlPage Image(string source, string alt, int width, int height)
    {
        _body.Append("<img class=\"plot\" src=\"").Append(Escape(source)).Append("\" alt=\"").Append(Escape(alt)).Append("\" width=\"").Append(width).Append('"');
        if (height > 0)
        {
            _body.Append(" height=\"").Append(height).Append('"');
        }

        _body.Append(">\n");
        return this;
    }

    /// <summary>Pictures in a wrapping grid, each with its caption lines (the first dimmed when there are several).</summary>
    public HtmlPage Gallery(IEnumerable<GalleryItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _body.Append("<div class=\"gallery\">\n");
        foreach (GalleryItem item in items)
        {
            _body.Append("<figure><img src=\"").Append(Escape(item.Source)).Append("\" alt=\"").Append(Escape(item.Alt))
                .Append("\" width=\"").Append(item.Width).Append("\" height=\"").Append(item.Height).Append("\"><figcaption>");
            for (int i = 0; i < item.Caption.Count; i++)
            {
                _body.Append(i == 0 && item.Caption.Count > 1 ? "<span class=\"dim\">" : "<span>").Append(Escape(item.Caption[i])).Append("</span>");
            }

            _body.Append("</figcaption></figure>\n");
        }

        _body.Append("</div>\n");
        return this;
    }

    /// <summary>The whole page, with a table of contents of its sections under <paramref name="subtitle"/>.</summary>
    public string ToHtml(string subtitle)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Escape(_title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Escape(_title)).Append("</h1>\n<p class=\"note\">").Append(Escape(subtitle)).Append("</p>\n");
        if (_sections.Count > 1)
        {
            html.Append("<nav>");
            foreach (var (id, title) in _sections)
            {
                html.Append("<a href=\"#").Append(id).Append("\">").Append(Escape(title)).Append("</a>");
            }

            html.Append("</nav>\n");
        }

        return html.Append(_body).Append("</body>\n</html>\n").ToString();
    }

    /// <summary>Text made safe for HTML content and attribute values.</summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder((text ?? "").Length);
        foreach (char c in text ?? "")
        {
            escaped.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&#39;", _ => c.ToString() });
        }

        return escaped.ToString();
    }
}
