using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// The Elman recurrent layer, as PyTorch's <c>nn.RNN</c> (tanh) and Keras's <c>SimpleRNN</c>:
/// <code>
/// h_t = tanh(x_t·W + h_{t−1}·U + b)        (h_{−1} = 0)
/// </code>
/// </summary>
/// <remarks>One bias b (PyTorch's <c>bias_ih</c> + <c>bias_hh</c>). Initialized as PyTorch does (uniform in ±1/√units;
/// Keras uses Glorot for W and an orthogonal U). See <see cref="RecurrentLayer"/> for the layout and the speed.</remarks>
public sealed unsafe class SimpleRnn : RecurrentLayer
{
    /// <summary>The "simple-rnn" layer kind.</summary>
    public static LayerType Definition { get; } = new("simple-rnn", "Elman RNN, h_t = tanh(x_t·W + h_{t−1}·U + b), over [batch, time, features]",
        CommonParameters, a => new SimpleRnn(a.Int("units"), a.Bool("return_sequences"), a.Int("truncate")))
    {
        Aliases = ["rnn"],
    };

    /// <summary>Creates the layer with <paramref name="units"/> state values.</summary>
    /// <param name="units">Size of h.</param>
    /// <param name="returnSequences">Output every step's h ([batch, time, units]) instead of the last ([batch, units]).</param>
    /// <param name="truncate">Backpropagate at most this many steps (0: all); see <see cref="RecurrentLayer"/>.</param>
    public SimpleRnn(int units, bool returnSequences = false, int truncate = 0)
        : base(units, returnSequences, truncate)
    {
    }

    /// <inheritdoc/>
    public override LayerType Type => Definition;

    private protected override int GateCount => 1;

    private protected override void ForwardCell(in StepPointers s, int row0, int row1)
    {
        var kernel = new ForwardKernel();
        for (int r = row0; r < row1; r++)
        {
            kernel.Gates = s.Gates + (nint)r * Units;
            kernel.State = s.State + (nint)r * Units;
            GateLoop.Run(ref kernel, Units);
        }
    }

    private protected override void BackwardCell(in StepPointers s, int row0, int row1, bool carryBack)
    {
        var kernel = new BackwardKernel();
        for (int r = row0; r < row1; r++)
        {
            kernel.Gates = s.Gates + (nint)r * Units;
            kernel.State = s.State + (nint)r * Units;
            kernel.StateGradient = s.Carry + (nint)r * Units;
            GateLoop.Run(ref kernel, Units);
        }
    }

    private struct ForwardKernel : IGateKernel
    {
        public float* Gates, State;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            // h_t = tanh(a_t)
            TV.Tanh(TV.Load(Gates + j)).Store(State + j);
        }
    }

    private struct BackwardKernel : IGateKernel
    {
        public float* Gates, State, StateGradient;

        public readonly void Apply<TV>(int j)
            where TV : struct, IGateVector<TV>
        {
            // h_t = tanh(a_t): ∂a_t = ∂h_t ⊙ (1 − h_t²); ∂h_{t−1} = ∂a_t·Uᵀ (added by the layer)
            TV h = TV.Load(State + j);
            (TV.Load(StateGradient + j) * (TV.Create(1f) - h * h)).Store(Gates + j);
        }
    }
}
