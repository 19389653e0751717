using System.Globalization;
using System.Text.Json.Nodes;

namespace Nabla.Cli.Explain;

/// <summary>Prints explained quantities as text (shapes, the equation, the code, a corner of the values) or JSON.</summary>
internal static class ExplainPrinter
{
    private const int MaxRows = 6, MaxColumns = 8;

    public static void WriteText(TextWriter output, IEnumerable<ExplainedQuantity> quantities)
    {
        foreach (ExplainedQuantity q in quantities)
        {
            output.WriteLine($"{q.Equation}");
            output.WriteLine($"    {q.Name} [{q.Rows}, {q.Columns}]    computed by {q.Code}");
            for (int i = 0; i < Math.Min(q.Rows, MaxRows); i++)
            {
                var cells = Enumerable.Range(0, Math.Min(q.Columns, MaxColumns)).Select(j => Format(q.Values[i * q.Columns + j]));
                output.WriteLine("    " + (i == 0 ? "[" : " ") + "[" + string.Join(", ", cells) + (q.Columns > MaxColumns ? ", …" : "") + "]" + (i == q.Rows - 1 ? "]" : ""));
            }

            if (q.Rows > MaxRows)
            {
                output.WriteLine($"     … {q.Rows - MaxRows} more rows]");
            }

            output.WriteLine();
        }
    }

    public static JsonArray ToJson(IEnumerable<ExplainedQuantity> quantities) => new(quantities.Select(q => (JsonNode)new JsonObject
    {
        ["name"] = q.Name,
        ["equation"] = q.Equation,
        ["shape"] = new JsonArray(q.Rows, q.Columns),
        ["values"] = new JsonArray(Enumerable.Range(0, q.Rows).Select(i => (JsonNode)new JsonArray(
            Enumerable.Range(0, q.Columns).Select(j => (JsonNode)q.Values[i * q.Columns + j]).ToArray())).ToArray()),
        ["code"] = q.Code,
    }).ToArray());

    private static string Format(double value) => value.ToString(Math.Abs(value) >= 1e4 || (value != 0 && Math.Abs(value) < 1e-3) ? "0.000e0" : "0.0000", CultureInfo.InvariantCulture);
}
