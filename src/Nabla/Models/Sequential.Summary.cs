using System.Globalization;
using System.Text;
using Nabla.Layers;

namespace Nabla.Models;

/// <summary>Keras's <c>summary()</c>: each layer with its output shape and parameter count.</summary>
public sealed partial class Sequential
{
    /// <summary>One row of <see cref="Summary"/>.</summary>
    /// <param name="Layer">"dense_1 (dense)".</param>
    /// <param name="OutputShape">"(None, 128)".</param>
    /// <param name="Parameters">Trainable values.</param>
    public sealed record SummaryRow(string Layer, string OutputShape, long Parameters);

    /// <summary>The input, then every layer.</summary>
    public IReadOnlyList<SummaryRow> SummaryRows() =>
        [new SummaryRow("input", InputShape.ToBatchString(), 0),
         .. _layers.Select(l => new SummaryRow(l.Describe(), l.OutputShape.ToBatchString(), l.Parameters.Sum(p => (long)p.Shape.Count)))];

    /// <summary>A text table as Keras prints it: Layer (type), Output Shape, Param #, and the total.</summary>
    public string Summary()
    {
        IReadOnlyList<SummaryRow> rows = SummaryRows();
        int a = Math.Max(12, rows.Max(r => r.Layer.Length)) + 2, b = Math.Max(12, rows.Max(r => r.OutputShape.Length)) + 2;
        var text = new StringBuilder();
        string rule = new('─', a + b + 10);
        text.AppendLine(rule).Append("Layer (type)".PadRight(a)).Append("Output Shape".PadRight(b)).AppendLine("   Param #").AppendLine(rule);
        foreach (SummaryRow row in rows)
        {
            text.Append(row.Layer.PadRight(a)).Append(row.OutputShape.PadRight(b)).AppendLine(row.Parameters.ToString("N0", CultureInfo.InvariantCulture).PadLeft(10));
        }

        text.AppendLine(rule).Append("Total params: ").AppendLine(ParameterCount.ToString("N0", CultureInfo.InvariantCulture));
        return text.ToString();
    }
}
