using Nabla.Parameters;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Gated recurrent unit (Cho et al., 2014) in the "reset after" form of PyTorch's <c>nn.GRU</c> (and of Keras's
/// <c>GRU</c> with its default <c>reset_after=True</c>, the cuDNN form):
/// <code>
/// [p_r | p_z | p_n] = x_t·W + b                   (gate order r, z, n: PyTorch's; Keras orders them z, r, h)
/// [q_r | q_z | q_n] = h_{t−1}·U + b_U            (b_U: the recurrent bias)
/// r = σ(p_r + q_r)   z = σ(p_z + q_z)
/// n = tanh(p_n + r ⊙ q_n)                         (the reset gate scales the recurrent part only)
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}                 (h_{−1} = 0)
/// </code>
/// </summary>
/// <remarks>
/// Two biases, as both frameworks: <c>bias</c> is PyTorch's <c>bias_ih</c>, <c>recurrent_bias</c> its <c>bias_hh</c>
/// (Keras stores the two as rows of one [2, 3·units] bias). Only b_U's n part is not redundant. The original paper's
/// "reset before" form, n = tanh(x·W_n + (r ⊙ h_{t−1})·U_n), is Keras's <c>reset_after=False</c>; it is not offered.
/// Initialized as PyTorch does (uniform in ±1/√units). See <see cref="RecurrentLayer"/> for the layout and the speed.
/// </remarks>
public sealed unsafe class Gru : RecurrentLayer
{
    /// <summary>The "gru" layer kind.</summary>
    public static LayerType Definition { get; } = new("gru", "gated recurrent unit (PyTorch's reset-after form) over [batch, time, features]",
        CommonParameters, a => new Gru(a.Int("units"), a.Bool("return_sequences"), a.Int("truncate")));

    private Parameter? _recurrentBias;

    /// <summary>Creates a GRU with <paramref name="units"/> state values.</summary>
    /// <param name="units">Size of h.</param>
    /// <param name="returnSequences">Output every step's h ([batch, time, units]) instead of the last ([batch, units]).</param>
    /// <param name="truncate">Backpropagate at most this many steps (0: all); see <see cref="RecurrentLayer"/>.</param>
    public Gru(int units, bool returnSequences = false, int truncate = 0)
        : base(units, returnSequences, truncate)
    {
    }

    /// <summary>b_U, [3·units] (PyTorch's <c>bias_hh</c>).</summary>
    public Parameter RecurrentBias => _recurrentBias ?? throw new InvalidOperationException($"Layer {Describe()} is not built yet.");

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    private protected override int GateCount => 3;

    private protected override bool KeepsRecurrentProductApart => true;

    private protected override bool HasDirectStatePath => true;

    private protected override IEnumerable<Parameter> CreateExtraParameters(int gateColumns)
    {
        _recurrentBias = new Parameter("recurrent_bias", new Shape(gateColumns), isWeight: false);
        return [_recurrentBias];
    }

    private protected override void AccumulateExtraGradients(ReadOnlySpan<float> recurrentGradient, int stepRows) =>
        TensorMath.AccumulateColumnSums(recurrentGradient, stepRows, RecurrentBias.Gradient);

    private protected override void ForwardCell(in StepPointers s, int row0, int row1)
    {
        int units = Units;
        fixed (float* bias = RecurrentBias.Value)
        {
            var kernel = new ForwardKernel { Units = units, RecurrentBias = bias };
            for (int r = row0; r < row1; r++)
            {
                kernel.Gates = s.Gates + (nint)r * 3 * units;
                kernel.Recurrent = s.Recurrent + (nint)r * 3 * units;
                kernel.Previous = s.Previous + (nint)r * units;
                kernel.State = s.State + (nint)r * units;
                GateLoop.Run(ref kernel, units);
            }
        }
    }

    private protected override void BackwardCell(in StepPointers s, int row0, int row1, bool carryBack)
    {
        int units = Units;
        var kernel = new BackwardKernel { Units = units, CarryBack = carryBack };
        for (int r = row0; r < row1; r++)
        {
            kernel.Gates = s.Gates + (nint)r * 3 * units;
            kernel.Recurrent = s.Recurrent + (nint)r * 3 * units;
            kernel.Previous = s.Previous + (nint)r * units;
            kernel.StateGradient = s.Carry + (nint)r * units;
            GateLoop.Run(ref kernel, units);
        }
    }

    /// <summary>One row of a step forward. Keeps r, z, n over the input projections and q_n = (h·U + b_U)_n over the
    /// recurrent product, for backward.</summary>
    private struct ForwardKernel : IGateKernel
    {
        public float* Gates, Recurrent, Previous, State, RecurrentBias;
        public int Units;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            float* pr = Gates + j, pz = pr + Units, pn = pz + Units;
            float* qr = Recurrent + j, qz = qr + Units, qn = qz + Units;
            float* br = RecurrentBias + j, bz = br + Units, bn = bz + Units;
            // r = σ(p_r + q_r), z = σ(p_z + q_z), n = tanh(p_n + r ⊙ q_n) with q = h_{t−1}·U + b_U
            TV r = TV.Sigmoid(TV.Load(pr) + TV.Load(qr) + TV.Load(br));
            TV z = TV.Sigmoid(TV.Load(pz) + TV.Load(qz) + TV.Load(bz));
            TV recurrentCandidate = TV.Load(qn) + TV.Load(bn);
            TV n = TV.Tanh(TV.MultiplyAdd(r, recurrentCandidate, TV.Load(pn)));
            // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} = n + z ⊙ (h_{t−1} − n)
            TV h = TV.MultiplyAdd(z, TV.Load(Previous + j) - n, n);
            r.Store(pr);
            z.Store(pz);
            n.Store(pn);
            recurrentCandidate.Store(qn);
            h.Store(State + j);
        }
    }

    /// <summary>One row of a step backward, the forward lines in reverse: ∂a over the input projections (∂p) and over
    /// the recurrent product (∂q), and the direct part z ⊙ ∂h of ∂h_{t−1}.</summary>
    private struct BackwardKernel : IGateKernel
    {
        public float* Gates, Recurrent, Previous, StateGradient;
        public int Units;
        public bool CarryBack;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            float* pr = Gates + j, pz = pr + Units, pn = pz + Units;
            float* qr = Recurrent + j, qz = qr + Units, qn = qz + Units;
            TV one = TV.Create(1f);
            TV r = TV.Load(pr), z = TV.Load(pz), n = TV.Load(pn), recurrentCandidate = TV.Load(qn), dh = TV.Load(StateGradient + j);
            // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}: ∂n = ∂h ⊙ (1 − z), ∂z = ∂h ⊙ (h_{t−1} − n), ∂h_{t−1} = ∂h ⊙ z (+ through q)
            TV dn = dh * (one - z);
            TV dz = dh * (TV.Load(Previous + j) - n);
            // n = tanh(p_n + r ⊙ q_n): ∂p_n = ∂n ⊙ (1 − n²), ∂r = ∂p_n ⊙ q_n, ∂q_n = ∂p_n ⊙ r
            TV dCandidate = dn * (one - n * n);
            TV dr = dCandidate * recurrentCandidate;
            // r = σ(p_r + q_r), z = σ(p_z + q_z): the same gradient at p and at q
            TV dResetInput = dr * r * (one - r), dUpdateInput = dz * z * (one - z);
            dResetInput.Store(pr);
            dUpdateInput.Store(pz);
            dCandidate.Store(pn);
            dResetInput.Store(qr);
            dUpdateInput.Store(qz);
            (dCandidate * r).Store(qn);
            (CarryBack ? dh * z : TV.Create(0f)).Store(StateGradient + j);
        }
    }
}
