using System.Text.Json.Nodes;
using Nabla.Cli.Explain;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Learn;

/// <summary><c>nabla explain</c> prints the numbers an independent computation in double gives (a NumPy-style reference
/// written here from the tutorials' equations), and cites code lines that exist.</summary>
public sealed class ExplainTests
{
    private static string Xor => Path.Combine(TestData.RepositoryRoot, "examples", "xor.csv");

    [Fact]
    public void Xor_step_one_matches_a_reference_computed_in_double()
    {
        var (code, output, error) = CliRunner.Run("explain", "--data", Xor, "--layers", "3", "--json");
        Assert.True(code == 0, error);
        CheckAgainstReference(JsonNode.Parse(output)!.AsObject(), steps: 1, softmax: false);
    }

    [Fact]
    public void Digits_with_softmax_at_step_three_match_the_reference()
    {
        string data = TestData.WriteSlice(20, 5);
        try
        {
            var (code, output, error) = CliRunner.Run("explain", "--data", data, "--layers", "10", "--samples", "6", "--step", "3", "--json");
            Assert.True(code == 0, error);
            CheckAgainstReference(JsonNode.Parse(output)!.AsObject(), steps: 3, softmax: true);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void The_text_names_every_quantity_with_its_equation_and_a_code_line()
    {
        var (code, output, _) = CliRunner.Run("explain", "--data", Xor, "--layers", "3");
        Assert.Equal(0, code);
        foreach (string equation in new[] { "A0 = X", "Z1 = W1·A0 + b1", "A1 = ReLU(Z1)", "Z2 = W2·A1 + b2", "A2 = σ(Z2)", "dZ2 = ∂L/∂Z2", "dW2 = dZ2·A1ᵀ", "db2", "dA1 = W2ᵀ·dZ2", "dZ1 = dA1 ⊙ (A1 > 0)", "dW1 = dZ1·A0ᵀ", "W1 (updated)" })
        {
            Assert.Contains(equation, output);
        }

        Assert.Matches(@"src/Nabla/Layers/Dense\.cs:\d+ \(Dense\.Forward\)", output);
    }

    [Fact]
    public void Every_cited_line_exists_in_the_source()
    {
        foreach (var (key, (file, _, anchor)) in SourceLocations.All)
        {
            Assert.True(SourceLocations.LineOf(file, anchor) is > 0, $"{key}: '{anchor}' not found in {file}");
        }
    }

    [Fact]
    public void Bad_options_are_one_line_errors()
    {
        Assert.Equal(2, CliRunner.Run("explain", "--data", Xor, "--step", "0").Code);
        Assert.Equal(2, CliRunner.Run("explain", "--data", Xor, "--samples", "9").Code);
        Assert.Equal(2, CliRunner.Run("explain", "--data", Xor, "--layers", "x").Code);
    }

    /// <summary>Forward and backward of a ReLU dense network in double, from the printed initial weights and input:
    /// Zk = Wk·Ak−1 + bk, Ak = relu(Zk), A_L = σ or softmax(Z_L), dZ_L = (A_L − Y)/m, dWk = dZk·Ak−1ᵀ, dbk = Σ dZk,
    /// dAk−1 = Wkᵀ·dZk, dZk = dAk ⊙ (Zk > 0), W ← W − 0.1·dW.</summary>
    private static void CheckAgainstReference(JsonObject report, int steps, bool softmax)
    {
        JsonArray before = report["weights_before"]!.AsArray();
        var quantities = report["quantities"]!.AsArray().ToDictionary(q => (string)q!["name"]! + (((string)q!["equation"]!).Contains("updated") ? "'" : ""), q => Matrix(q!["values"]!));
        int layers = before.Count / 2;
        var w = Enumerable.Range(0, layers).Select(k => Matrix(before[2 * k]!["values"]!)).ToArray();
        var b = Enumerable.Range(0, layers).Select(k => Matrix(before[2 * k + 1]!["values"]!)).ToArray();
        double[,] x = quantities["A0"], y = Matrix(report["targets"]![0]!["values"]!);
        int m = x.GetLength(1);
        var z = new double[layers + 1][,];
        var a = new double[layers + 1][,];
        var dW = new double[layers][,];
        var dB = new double[layers][,];
        var dZ = new double[layers + 1][,];
        double loss = 0;
        for (int step = 1; step <= steps; step++)
        {
            a[0] = x;
            for (int k = 1; k <= layers; k++)
            {
                z[k] = Add(Multiply(w[k - 1], a[k - 1]), b[k - 1]);
                a[k] = k < layers ? Map(z[k], v => Math.Max(v, 0)) : softmax ? Softmax(z[k]) : Map(z[k], v => 1 / (1 + Math.Exp(-v)));
            }

            loss = 0;
            for (int i = 0; i < y.GetLength(0); i++)
            {
                for (int j = 0; j < m; j++)
                {
                    double p = a[layers][i, j];
                    loss -= softmax ? y[i, j] * Math.Log(p) : y[i, j] * Math.Log(p) + (1 - y[i, j]) * Math.Log(1 - p);
                }
            }

            loss /= m;
            dZ[layers] = Map2(a[layers], y, (p, t) => (p - t) / m);
            for (int k = layers; k >= 1; k--)
            {
                dW[k - 1] = Multiply(dZ[k], Transpose(a[k - 1]));
                dB[k - 1] = RowSums(dZ[k]);
                if (k > 1)
                {
                    dZ[k - 1] = Map2(Multiply(Transpose(w[k - 1]), dZ[k]), z[k - 1], (d, zz) => zz > 0 ? d : 0);
                }
            }

            if (step < steps)
            {
                for (int k = 0; k < layers; k++)
                {
                    w[k] = Map2(w[k], dW[k], (p, g) => p - 0.1 * g);
                    b[k] = Map2(b[k], dB[k], (p, g) => p - 0.1 * g);
                }
            }
        }

        Close(quantities["Z1"], z[1]);
        Close(quantities["A1"], a[1]);
        Close(quantities[$"Z{layers}"], z[layers]);
        Close(quantities[$"A{layers}"], a[layers]);
        Assert.Equal(loss, quantities["L"][0, 0], 5);
        Close(quantities[$"dZ{layers}"], dZ[layers]);
        for (int k = 1; k <= layers; k++)
        {
            Close(quantities[$"dW{k}"], dW[k - 1]);
            Close(quantities[$"db{k}"], dB[k - 1]);
            Close(quantities[$"W{k}'"], Map2(w[k - 1], dW[k - 1], (p, g) => p - 0.1 * g));
            Close(quantities[$"b{k}'"], Map2(b[k - 1], dB[k - 1], (p, g) => p - 0.1 * g));
        }

        Close(quantities["dZ1"], dZ[1]);
    }

    private static void Close(double[,] actual, double[,] expected)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i, j])), $"[{i}, {j}]: {actual[i, j]} vs {expected[i, j]}");
            }
        }
    }

    private static double[,] Matrix(JsonNode node)
    {
        JsonArray rows = node.AsArray();
        int columns = rows[0]!.AsArray().Count;
        var result = new double[rows.Count, columns];
        for (int i = 0; i < rows.Count; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                result[i, j] = (double)rows[i]![j]!;
            }
        }

        return result;
    }

    private static double[,] Multiply(double[,] p, double[,] q)
    {
        var r = new double[p.GetLength(0), q.GetLength(1)];
        for (int i = 0; i < p.GetLength(0); i++)
        {
            for (int j = 0; j < q.GetLength(1); j++)
            {
                for (int k = 0; k < p.GetLength(1); k++)
                {
                    r[i, j] += p[i, k] * q[k, j];
                }
            }
        }

        return r;
    }

    private static double[,] Transpose(double[,] p)
    {
        var r = new double[p.GetLength(1), p.GetLength(0)];
        for (int i = 0; i < p.GetLength(0); i++)
        {
            for (int j = 0; j < p.GetLength(1); j++)
            {
                r[j, i] = p[i, j];
            }
        }

        return r;
    }

    private static double[,] Add(double[,] p, double[,] column) => Map2(p, p, (v, _) => v) is var r && Fill(r, (i, j) => r[i, j] + column[i, 0]) ? r : r;

    private static bool Fill(double[,] r, Func<int, int, double> f)
    {
        for (int i = 0; i < r.GetLength(0); i++)
        {
            for (int j = 0; j < r.GetLength(1); j++)
            {
                r[i, j] = f(i, j);
            }
        }

        return true;
    }

    private static double[,] Map(double[,] p, Func<double, double> f) => Map2(p, p, (v, _) => f(v));

    private static double[,] Map2(double[,] p, double[,] q, Func<double, double, double> f)
    {
        var r = new double[p.GetLength(0), p.GetLength(1)];
        Fill(r, (i, j) => f(p[i, j], q[i, j]));
        return r;
    }

    private static double[,] RowSums(double[,] p)
    {
        var r = new double[p.GetLength(0), 1];
        Fill(r, (i, _) => Enumerable.Range(0, p.GetLength(1)).Sum(j => p[i, j]));
        return r;
    }

    private static double[,] Softmax(double[,] z)
    {
        var r = new double[z.GetLength(0), z.GetLength(1)];
        for (int j = 0; j < z.GetLength(1); j++)
        {
            double max = Enumerable.Range(0, z.GetLength(0)).Max(i => z[i, j]);
            double sum = Enumerable.Range(0, z.GetLength(0)).Sum(i => Math.Exp(z[i, j] - max));
            for (int i = 0; i < z.GetLength(0); i++)
            {
                r[i, j] = Math.Exp(z[i, j] - max) / sum;
            }
        }

        return r;
    }
}
