using Nabla.Initializers;
using Nabla.Layers;
using Nabla.Tensors;
using Nabla.Tests.Testing;

namespace Nabla.Tests.Layers;

public sealed class RecurrentLayerTests
{
    // The hand-worked example: two steps of two features (x_0 = (0.5, −1), x_1 = (1.5, 0.25)), two units, one sample.
    private static readonly float[] s_x = [0.5f, -1f, 1.5f, 0.25f];

    // W [2 features, 8 = 4 gates × 2 units], U [2 units, 8], b [8]; GRU takes the first 6 columns (3 gates × 2).
    private static readonly float[][] s_w = [[0.1f, -0.2f, 0.3f, 0.05f, -0.1f, 0.2f, 0.4f, -0.3f], [0.2f, 0.1f, -0.1f, 0.3f, 0.15f, -0.25f, 0.05f, 0.1f]];
    private static readonly float[][] s_u = [[0.05f, 0.1f, -0.2f, 0.3f, 0.2f, -0.1f, 0.1f, 0.25f], [-0.15f, 0.2f, 0.1f, -0.05f, 0.3f, 0.1f, -0.2f, 0.05f]];
    private static readonly float[] s_b = [0.1f, 0.2f, -0.1f, 0f, 0.05f, -0.05f, 0.15f, 0.1f];
    private static readonly float[] s_recurrentBias = [0.02f, -0.03f, 0.04f, 0.01f, 0.05f, -0.02f];

    // Gradients below 0.01 are compared by absolute error (≤ 10⁻⁴): through six float32 steps the central difference
    // carries about 2·10⁻⁵ of rounding noise (measured: it shrinks from h = 0.003 to 0.01 and the truncation error grows
    // beyond 0.03), which is a large relative error on a gradient of 10⁻³. The control below still fails by far.
    private const double Floor = 1e-2;

    public static TheoryData<string, bool> Kinds => new()
    {
        { "simple-rnn", false }, { "simple-rnn", true }, { "lstm", false }, { "lstm", true }, { "gru", false }, { "gru", true },
    };

    private static RecurrentLayer Create(string kind, int units, bool returnSequences, int truncate = 0) => kind switch
    {
        "simple-rnn" => new SimpleRnn(units, returnSequences, truncate),
        "lstm" => new Lstm(units, returnSequences, truncate),
        _ => new Gru(units, returnSequences, truncate),
    };

    private static Tensor RandomSequences(int batch, int steps, int features, int seed)
    {
        var random = new Random(seed);
        return new Tensor(Enumerable.Range(0, batch * steps * features).Select(_ => random.NextSingle() * 2 - 1).ToArray(), new Shape(batch, steps, features));
    }

    private static RecurrentLayer Built(string kind, int units, bool returnSequences, int steps, int features, int seed, int truncate = 0)
    {
        RecurrentLayer layer = Create(kind, units, returnSequences, truncate);
        layer.Build(new Shape(steps, features));
        var random = new Random(seed);
        foreach (var p in layer.Parameters)
        {
            // Larger than PyTorch's ±1/√units, so the gates leave their linear middle and the check means something.
            Initialization.FillUniform(p.Value, 0.8, random);
        }

        return layer;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Gradients_through_six_steps_match_central_differences(string kind, bool returnSequences)
    {
        // 5 units: a scalar tail after no full vector, edge tiles in every product; 2 rows, 6 steps, 4 features.
        RecurrentLayer layer = Built(kind, 5, returnSequences, steps: 6, features: 4, seed: 7);
        double error = GradientChecker.MaxLayerError(layer, RandomSequences(2, 6, 4, 8), probes: 60, floor: Floor);
        Assert.True(error < GradientChecker.Tolerance, $"{kind} return_sequences={returnSequences}: relative error {error}");
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Gradients_of_wide_layers_match_central_differences(string kind)
    {
        // 19 units: full 16-wide vectors, an 8-wide one on AVX2, then scalars; 9 rows: a second row tile.
        RecurrentLayer layer = Built(kind, 19, returnSequences: false, steps: 5, features: 3, seed: 11);
        double error = GradientChecker.MaxLayerError(layer, RandomSequences(9, 5, 3, 12), probes: 60, floor: Floor);
        Assert.True(error < GradientChecker.Tolerance, $"{kind}: relative error {error}");
    }

    [Theory]
    [InlineData("simple-rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void A_backward_that_cuts_the_gradient_through_time_fails_the_check(string kind)
    {
        // The control: truncate=1 drops every ∂h_{t−1}; against the numerical gradient of the whole sequence it must fail.
        RecurrentLayer layer = Built(kind, 5, returnSequences: true, steps: 6, features: 4, seed: 7, truncate: 1);
        double error = GradientChecker.MaxLayerError(layer, RandomSequences(2, 6, 4, 8), probes: 60, floor: Floor);
        Assert.True(error > 10 * GradientChecker.Tolerance, $"{kind}: relative error only {error}");
    }

    [Theory]
    [InlineData("simple-rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Backward_accumulates_parameter_gradients(string kind)
    {
        RecurrentLayer layer = Built(kind, 4, returnSequences: true, steps: 3, features: 2, seed: 3);
        Tensor x = RandomSequences(2, 3, 2, 4);
        var dy = new Tensor(Enumerable.Range(0, 2 * 3 * 4).Select(i => MathF.Sin(i)).ToArray(), new Shape(2, 3, 4));
        layer.Forward(x, training: true);
        layer.Backward(dy, needInputGradient: false);
        float[][] once = layer.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();
        layer.Forward(x, training: true);
        layer.Backward(dy, needInputGradient: false);
        for (int p = 0; p < once.Length; p++)
        {
            for (int i = 0; i < once[p].Length; i++)
            {
                Assert.Equal(2 * once[p][i], layer.Parameters[p].Gradient[i], 5);
            }
        }
    }

    [Fact]
    public void One_lstm_step_matches_hand_computed_numbers()
    {
        var lstm = new Lstm(2, returnSequences: true);
        lstm.Build(new Shape(2, 2));
        Fill(lstm.Kernel.Value, s_w, 8);
        Fill(lstm.RecurrentKernel.Value, s_u, 8);
        s_b.CopyTo(lstm.Bias.Value, 0);

        // Step 0 from h = c = 0: a = x_0·W + b = (−0.05, 0, 0.15, −0.275, −0.15, 0.3, 0.3, −0.15);
        //   i = σ(−0.05, 0) = (0.48750, 0.5), f = σ(0.15, −0.275) = (0.53743, 0.43168), g = tanh(−0.15, 0.3) = (−0.14889, 0.29131),
        //   o = σ(0.3, −0.15) = (0.57444, 0.46257); c_0 = i ⊙ g = (−0.072582, 0.145656), h_0 = o ⊙ tanh(c_0) = (−0.041621, 0.066904).
        // Step 1: a = x_1·W + h_0·U + b = (0.287883, −0.065781, 0.340015, 0.134169, −0.050753, 0.198352, 0.744957, −0.332060);
        //   c_1 = f ⊙ c_0 + i ⊙ g = (−0.071381, 0.172383), h_1 = (−0.048320, 0.071306).
        // The same numbers come from torch.nn.LSTM(2, 2) in float64 with weight_ih = Wᵀ, weight_hh = Uᵀ, bias_ih = b, bias_hh = 0.
        double[] expected = [-0.041621033120962964, 0.06690378970904215, -0.0483200849137364, 0.07130646930453036];
        Assert.Equal(expected, ReferenceLstm(), new Tolerance(1e-7));
        float[] y = lstm.Forward(new Tensor(s_x, new Shape(1, 2, 2)), training: false).Span.ToArray();
        Assert.Equal(expected, y.Select(v => (double)v), new Tolerance(1e-6));
    }

    [Fact]
    public void One_gru_step_matches_hand_computed_numbers()
    {
        var gru = new Gru(2, returnSequences: true);
        gru.Build(new Shape(2, 2));
        Fill(gru.Kernel.Value, s_w, 6);
        Fill(gru.RecurrentKernel.Value, s_u, 6);
        s_b.AsSpan(0, 6).CopyTo(gru.Bias.Value);
        s_recurrentBias.CopyTo(gru.RecurrentBias.Value, 0);

        // Step 0 from h = 0: p = x_0·W + b = (−0.05, 0, 0.15, −0.275, −0.15, 0.3), q = b_U = (0.02, −0.03, 0.04, 0.01, 0.05, −0.02);
        //   r = σ(p_r + q_r) = (0.49250, 0.49250), z = σ(p_z + q_z) = (0.54736, 0.43413),
        //   n = tanh(p_n + r ⊙ q_n) = (−0.124722, 0.282273), h_0 = (1 − z) ⊙ n = (−0.056455, 0.159728).
        // Step 1: p = (0.3, −0.075, 0.325, 0.15, −0.0625, 0.1875), q = h_0·U + b_U = (−0.006782, −0.003700, 0.067264, −0.014923, 0.086628, 0.001618);
        //   r = (0.572784, 0.480335), z = (0.596828, 0.533718), n = (−0.012880, 0.186084), h_1 = (−0.038887, 0.172017).
        // The same numbers come from torch.nn.GRU(2, 2) in float64 with weight_ih = Wᵀ, weight_hh = Uᵀ, bias_ih = b, bias_hh = b_U.
        double[] expected = [-0.056454534657255334, 0.15972833074119283, -0.038886646477363486, 0.17201736918551025];
        Assert.Equal(expected, ReferenceGru(), new Tolerance(1e-7));
        float[] y = gru.Forward(new Tensor(s_x, new Shape(1, 2, 2)), training: false).Span.ToArray();
        Assert.Equal(expected, y.Select(v => (double)v), new Tolerance(1e-6));
    }

    [Fact]
    public void Return_sequences_off_gives_the_last_step_of_return_sequences_on()
    {
        RecurrentLayer all = Built("lstm", 6, returnSequences: true, steps: 4, features: 3, seed: 5);
        RecurrentLayer last = Built("lstm", 6, returnSequences: false, steps: 4, features: 3, seed: 5);
        Tensor x = RandomSequences(3, 4, 3, 6);
        Tensor every = all.Forward(x, training: false);
        Tensor final = last.Forward(x, training: false);
        Assert.Equal(new Shape(3, 4, 6), every.Shape);
        Assert.Equal(new Shape(3, 6), final.Shape);
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(every.Span.Slice((b * 4 + 3) * 6, 6).ToArray(), final.Span.Slice(b * 6, 6).ToArray());
        }
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Every_row_is_computed_alone_whatever_the_batch_so_thread_splits_do_not_change_results(string kind)
    {
        // 21 rows split between the threads (at tile boundaries) against each row run on its own: bit for bit.
        RecurrentLayer layer = Built(kind, 40, returnSequences: true, steps: 5, features: 7, seed: 9);
        Tensor x = RandomSequences(21, 5, 7, 10);
        float[] batch = layer.Forward(x, training: false).Span.ToArray();
        for (int b = 0; b < 21; b++)
        {
            var row = new Tensor(x.Span.Slice(b * 35, 35).ToArray(), new Shape(1, 5, 7));
            Assert.Equal(batch.AsSpan(b * 200, 200).ToArray(), layer.Forward(row, training: false).Span.ToArray());
        }
    }

    [Theory]
    [InlineData("simple-rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Truncation_stops_the_gradient_at_chunk_boundaries(string kind)
    {
        // 7 steps in chunks of 3: [0, 3) [3, 6) [6, 7). With the loss on the last output only, the input gradient of
        // steps 0–5 is zero, and the last step's is the untruncated one (its path does not cross a boundary).
        RecurrentLayer full = Built(kind, 4, returnSequences: false, steps: 7, features: 2, seed: 13);
        RecurrentLayer truncated = Built(kind, 4, returnSequences: false, steps: 7, features: 2, seed: 13, truncate: 3);
        Tensor x = RandomSequences(2, 7, 2, 14);
        var dy = new Tensor([0.3f, -0.7f, 1.1f, 0.2f, -0.4f, 0.9f, 0.5f, -1.2f], new Shape(2, 4));
        full.Forward(x, training: true);
        float[] dFull = full.Backward(dy, needInputGradient: true)!.Span.ToArray();
        truncated.Forward(x, training: true);
        float[] dTruncated = truncated.Backward(dy, needInputGradient: true)!.Span.ToArray();
        for (int b = 0; b < 2; b++)
        {
            for (int t = 0; t < 7; t++)
            {
                for (int f = 0; f < 2; f++)
                {
                    int i = (b * 7 + t) * 2 + f;
                    if (t < 6)
                    {
                        Assert.Equal(0f, dTruncated[i]);
                        Assert.NotEqual(0f, dFull[i]);
                    }
                    else
                    {
                        Assert.Equal(dFull[i], dTruncated[i]);
                    }
                }
            }
        }

        // The recurrent weights' gradient differs (the steps before 6 contribute nothing through h).
        Assert.NotEqual(full.RecurrentKernel.Gradient, truncated.RecurrentKernel.Gradient);
    }

    [Theory]
    [InlineData("simple-rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void A_batch_of_no_rows_runs_forward_and_backward(string kind)
    {
        // A replica's share of a small last batch can be empty: no rows, no tiles, no work (not an ArgumentException
        // from clamping the thread count to zero tiles).
        RecurrentLayer layer = Built(kind, 4, returnSequences: true, steps: 3, features: 2, seed: 15);
        Tensor y = layer.Forward(new Tensor([], new Shape(0, 3, 2)), training: true);
        Assert.Equal(new Shape(0, 3, 4), y.Shape);
        Tensor? dx = layer.Backward(new Tensor([], new Shape(0, 3, 4)), needInputGradient: true);
        Assert.Equal(new Shape(0, 3, 2), dx!.Shape);
        Assert.All(layer.Parameters, p => Assert.All(p.Gradient, g => Assert.Equal(0f, g)));
    }

    [Fact]
    public void A_sequence_layer_refuses_flat_input_naming_the_fix()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => new Nabla.Models.Sequential(784).Add(new Lstm(8)));
        Assert.Contains("reshape(28, 28)", ex.Message);
    }

    [Fact]
    public void The_registry_builds_the_kinds_from_arch_text()
    {
        var calls = ArchitectureParser.Parse("reshape(28,28) lstm(128) gru(64, return_sequences=true, truncate=10) rnn(8) embedding(32, vocabulary=27)");
        Layer[] layers = calls.Select(c => c.Create()).ToArray();
        Assert.Equal(128, ((Lstm)layers[1]).Units);
        var gru = (Gru)layers[2];
        Assert.True(gru.ReturnSequences);
        Assert.Equal(10, gru.Truncate);
        Assert.IsType<SimpleRnn>(layers[3]);
        Assert.Equal(27, ((Embedding)layers[4]).Vocabulary);
        Assert.Equal(32, ((Embedding)layers[4]).Dimension);
    }

    private static void Fill(float[] target, float[][] rows, int columns)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r].AsSpan(0, columns).CopyTo(target.AsSpan(r * columns, columns));
        }
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>The LSTM equations in double, written out (PyTorch's order i, f, g, o).</summary>
    private static double[] ReferenceLstm()
    {
        double[] h = new double[2], c = new double[2];
        var result = new List<double>();
        for (int t = 0; t < 2; t++)
        {
            double[] a = Preactivations(t, h, 8);
            double[] next = new double[2];
            for (int j = 0; j < 2; j++)
            {
                double i = Sigmoid(a[j]), f = Sigmoid(a[2 + j]), g = Math.Tanh(a[4 + j]), o = Sigmoid(a[6 + j]);
                c[j] = f * c[j] + i * g;
                next[j] = o * Math.Tanh(c[j]);
            }

            h = next;
            result.AddRange(h);
        }

        return [.. result];
    }

    /// <summary>The GRU equations in double (PyTorch's reset-after form, order r, z, n).</summary>
    private static double[] ReferenceGru()
    {
        double[] h = new double[2];
        var result = new List<double>();
        for (int t = 0; t < 2; t++)
        {
            double[] p = Preactivations(t, new double[2], 6);
            double[] q = new double[6];
            for (int k = 0; k < 6; k++)
            {
                q[k] = s_recurrentBias[k] + h[0] * s_u[0][k] + h[1] * s_u[1][k];
            }

            double[] next = new double[2];
            for (int j = 0; j < 2; j++)
            {
                double r = Sigmoid(p[j] + q[j]), z = Sigmoid(p[2 + j] + q[2 + j]);
                double n = Math.Tanh(p[4 + j] + r * q[4 + j]);
                next[j] = (1 - z) * n + z * h[j];
            }

            h = next;
            result.AddRange(h);
        }

        return [.. result];
    }

    /// <summary>x_t·W + h·U + b over the first <paramref name="columns"/> columns, in double.</summary>
    private static double[] Preactivations(int t, double[] h, int columns)
    {
        var a = new double[columns];
        for (int k = 0; k < columns; k++)
        {
            a[k] = s_b[k] + s_x[2 * t] * (double)s_w[0][k] + s_x[2 * t + 1] * (double)s_w[1][k] + h[0] * s_u[0][k] + h[1] * s_u[1][k];
        }

        return a;
    }

    private sealed class Tolerance(double limit) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= limit;

        public int GetHashCode(double obj) => 0;
    }
}
