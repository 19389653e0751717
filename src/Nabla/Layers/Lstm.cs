using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// Long short-term memory (Hochreiter &amp; Schmidhuber, 1997, with the forget gate of Gers et al., 2000), as PyTorch's
/// <c>nn.LSTM</c> and Keras's <c>LSTM</c>:
/// <code>
/// [a_i | a_f | a_g | a_o] = x_t·W + h_{t−1}·U + b         (gate order i, f, g, o: PyTorch's and Keras's)
/// i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
/// c_t = f ⊙ c_{t−1} + i ⊙ g
/// h_t = o ⊙ tanh(c_t)                                  (h_{−1} = c_{−1} = 0)
/// </code>
/// </summary>
/// <remarks>
/// One bias b, as Keras; PyTorch has two (<c>bias_ih</c> + <c>bias_hh</c>), whose sum is b. Keras initializes the
/// forget gate's bias to 1 (<c>unit_forget_bias</c>) and W with Glorot, U orthogonally; this layer initializes as
/// PyTorch does (everything uniform in ±1/√units). See <see cref="RecurrentLayer"/> for the layout and the speed.
/// </remarks>
public sealed unsafe class Lstm : RecurrentLayer
{
    /// <summary>The "lstm" layer kind.</summary>
    public static LayerType Definition { get; } = new("lstm", "long short-term memory over [batch, time, features] (return_sequences: every step's state)",
        CommonParameters, a => new Lstm(a.Int("units"), a.Bool("return_sequences"), a.Int("truncate")));

    private readonly PinnedBuffer _cells = new();
    private readonly PinnedBuffer _cellTanh = new();
    private readonly PinnedBuffer _cellGradient = new();

    /// <summary>Creates an LSTM with <paramref name="units"/> state values.</summary>
    /// <param name="units">Size of h and c.</param>
    /// <param name="returnSequences">Output every step's h ([batch, time, units]) instead of the last ([batch, units]).</param>
    /// <param name="truncate">Backpropagate at most this many steps (0: all); see <see cref="RecurrentLayer"/>.</param>
    public Lstm(int units, bool returnSequences = false, int truncate = 0)
        : base(units, returnSequences, truncate)
    {
    }

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    private protected override int GateCount => 4;

    private protected override void PrepareCells(int steps, int rows)
    {
        // c_{−1} = 0, then c_0 … c_{T−1}; tanh(c_t) is kept for backward.
        _cells.Ensure((steps + 1) * rows * Units);
        _cells.Slice(rows * Units).Clear();
        _cellTanh.Ensure(steps * rows * Units);
    }

    private protected override void PrepareBackward(int rows)
    {
        _cellGradient.Ensure(rows * Units);
        _cellGradient.Slice(rows * Units).Clear();
    }

    private protected override void ForwardCell(in StepPointers s, int row0, int row1)
    {
        int units = Units;
        nint stepOffset = (nint)s.Step * s.Rows * units;
        var kernel = new ForwardKernel { Units = units };
        for (int r = row0; r < row1; r++)
        {
            kernel.Gates = s.Gates + (nint)r * 4 * units;
            kernel.CellPrevious = _cells.Pointer + stepOffset + (nint)r * units;
            kernel.Cell = kernel.CellPrevious + (nint)s.Rows * units;
            kernel.CellTanh = _cellTanh.Pointer + stepOffset + (nint)r * units;
            kernel.State = s.State + (nint)r * units;
            GateLoop.Run(ref kernel, units);
        }
    }

    private protected override void BackwardCell(in StepPointers s, int row0, int row1, bool carryBack)
    {
        int units = Units;
        nint stepOffset = (nint)s.Step * s.Rows * units;
        var kernel = new BackwardKernel { Units = units, CarryBack = carryBack };
        for (int r = row0; r < row1; r++)
        {
            kernel.Gates = s.Gates + (nint)r * 4 * units;
            kernel.CellPrevious = _cells.Pointer + stepOffset + (nint)r * units;
            kernel.CellTanh = _cellTanh.Pointer + stepOffset + (nint)r * units;
            kernel.StateGradient = s.Carry + (nint)r * units;
            kernel.CellGradient = _cellGradient.Pointer + (nint)r * units;
            GateLoop.Run(ref kernel, units);
        }
    }

    /// <summary>One row of a step forward: the four gates, the cell and the state.</summary>
    private struct ForwardKernel : IGateKernel
    {
        public float* Gates, CellPrevious, Cell, CellTanh, State;
        public int Units;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            float* gi = Gates + j, gf = gi + Units, gg = gf + Units, go = gg + Units;
            // i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
            TV i = TV.Sigmoid(TV.Load(gi)), f = TV.Sigmoid(TV.Load(gf)), g = TV.Tanh(TV.Load(gg)), o = TV.Sigmoid(TV.Load(go));
            // c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t)
            TV c = TV.MultiplyAdd(f, TV.Load(CellPrevious + j), i * g);
            TV cellTanh = TV.Tanh(c);
            i.Store(gi);
            f.Store(gf);
            g.Store(gg);
            o.Store(go);
            c.Store(Cell + j);
            cellTanh.Store(CellTanh + j);
            (o * cellTanh).Store(State + j);
        }
    }

    /// <summary>One row of a step backward, the forward lines in reverse: from ∂h_t and ∂c_t (carried from step
    /// t + 1) to ∂a_t (over the gates) and ∂c_{t−1}.</summary>
    private struct BackwardKernel : IGateKernel
    {
        public float* Gates, CellPrevious, CellTanh, StateGradient, CellGradient;
        public int Units;
        public bool CarryBack;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            float* gi = Gates + j, gf = gi + Units, gg = gf + Units, go = gg + Units;
            TV one = TV.Create(1f);
            TV i = TV.Load(gi), f = TV.Load(gf), g = TV.Load(gg), o = TV.Load(go), cellTanh = TV.Load(CellTanh + j);
            TV dh = TV.Load(StateGradient + j);
            // h_t = o ⊙ tanh(c_t): ∂o = ∂h ⊙ tanh(c_t), ∂c_t += ∂h ⊙ o ⊙ (1 − tanh²(c_t))
            TV dOutputGate = dh * cellTanh;
            TV dc = TV.MultiplyAdd(dh * o, one - cellTanh * cellTanh, TV.Load(CellGradient + j));
            // c_t = f ⊙ c_{t−1} + i ⊙ g: ∂i = ∂c ⊙ g, ∂g = ∂c ⊙ i, ∂f = ∂c ⊙ c_{t−1}, ∂c_{t−1} = ∂c ⊙ f
            TV dInputGate = dc * g, dCandidate = dc * i, dForgetGate = dc * TV.Load(CellPrevious + j);
            // i = σ(a_i) … : ∂a = ∂gate ⊙ σ'(a) = ∂gate ⊙ y(1 − y), and tanh'(a) = 1 − g²
            (dInputGate * i * (one - i)).Store(gi);
            (dForgetGate * f * (one - f)).Store(gf);
            (dCandidate * (one - g * g)).Store(gg);
            (dOutputGate * o * (one - o)).Store(go);
            // (∂h_{t−1} comes only through a_t: the layer computes it as ∂a_t·Uᵀ.)
            (CarryBack ? dc * f : TV.Create(0f)).Store(CellGradient + j);
        }
    }
}
