using System.Globalization;
using Nabla.Initializers;
using Nabla.Parameters;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Layers;

/// <summary>
/// What <see cref="SimpleRnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> share: a sequence [batch, time, features]
/// in, the state h after every step [batch, time, units] (<see cref="ReturnSequences"/>) or after the last one
/// [batch, units] out, the initial state zero, and backpropagation through time, optionally truncated.
/// </summary>
/// <remarks>
/// <para><b>Parameters</b>, in Dense's [in, out] layout with the gates side by side in PyTorch's order (i, f, g, o for
/// LSTM; r, z, n for GRU): <c>kernel</c> W [features, gates·units] (PyTorch's <c>weight_ih_l0</c>ᵀ, Keras's
/// <c>kernel</c>), <c>recurrent_kernel</c> U [units, gates·units] (<c>weight_hh_l0</c>ᵀ, Keras's
/// <c>recurrent_kernel</c>) and <c>bias</c> b [gates·units]. Each step's pre-activations are
/// a_t = x_t·W + h_{t−1}·U + b.</para>
/// <para><b>How it runs.</b> The input projection of every step is one GEMM, X·W + b with X viewed as
/// [time·batch, features] (time-major: step t's rows are contiguous). The recurrent product h_{t−1}·U is the only
/// work that must wait for the previous step; U is packed once per batch into the GEMM kernel's panel layout
/// (<see cref="PackedMatrix"/>) and stays resident in cache for all the steps, and the gate nonlinearities of a step
/// run fused, in one vectorized pass, right after its product. The batch rows are split between the worker threads
/// (rows are independent, so a thread runs all the steps of its rows with no synchronization between steps; row
/// ranges start at multiples of the kernel's tile height, so the results do not depend on the thread count).
/// Backward runs the steps in reverse, each a cell backward and one product with Uᵀ (also packed once); the
/// weight gradients are then three GEMMs over all steps at once: ∂W = Xᵀ·∂a, ∂U = Hᵀ_{prev}·∂a, ∂b = Σ ∂a.</para>
/// <para><b>Truncation</b> (<c>truncate=N</c>): the gradient of the state is cut between steps t − 1 and t whenever t
/// is a multiple of N, as when a long sequence is fed in chunks of N steps whose state is carried forward but
/// detached (PyTorch's <c>h.detach()</c>): every weight gradient still sums over all steps, but no gradient travels
/// back more than N steps. 0 (the default) backpropagates through the whole sequence.</para>
/// </remarks>
public abstract unsafe class RecurrentLayer : Layer
{
    private readonly BatchBuffer _output = new();
    private readonly BatchBuffer _inputGradient = new();
    private readonly PackedMatrix _recurrentWeights = new();
    private readonly PackedMatrix _recurrentWeightsTransposed = new();
    private readonly StepJob _job;
    private readonly PinnedBuffer _inputTime = new();
    private readonly PinnedBuffer _gates = new();
    private readonly PinnedBuffer _states = new();
    private readonly PinnedBuffer _recurrent = new();
    private readonly PinnedBuffer _carry = new();
    private readonly PinnedBuffer _inputGradientTime = new();
    private Parameter? _kernel;
    private Parameter? _recurrentKernel;
    private Parameter? _bias;
    private Parameter[] _parameters = [];
    private Tensor? _lastOutput;
    private int _steps, _rows;

    /// <summary>Creates the layer; only the library's cells derive from it.</summary>
    private protected RecurrentLayer(int units, bool returnSequences, int truncate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(truncate);
        (Units, ReturnSequences, Truncate) = (units, returnSequences, truncate);
        _job = new StepJob(this);
    }

    /// <summary>Size of the state h.</summary>
    public int Units { get; }

    /// <summary>Whether the output is the state after every step, [batch, time, units], or only after the last,
    /// [batch, units].</summary>
    public bool ReturnSequences { get; }

    /// <summary>Steps the gradient travels back at most (see the remarks); 0: the whole sequence.</summary>
    public int Truncate { get; }

    /// <summary>W, [features, gates·units].</summary>
    public Parameter Kernel => _kernel ?? throw NotBuilt();

    /// <summary>U, [units, gates·units].</summary>
    public Parameter RecurrentKernel => _recurrentKernel ?? throw NotBuilt();

    /// <summary>b, [gates·units].</summary>
    public Parameter Bias => _bias ?? throw NotBuilt();

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Settings => SettingsOf(
        ("units", Units.ToString(CultureInfo.InvariantCulture)),
        ("return_sequences", ReturnSequences ? "true" : "false"),
        ("truncate", Truncate.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Gates per unit: 1 (simple RNN), 4 (LSTM), 3 (GRU).</summary>
    public int Gates => GateCount;

    /// <summary>Gates per unit, as each cell declares it.</summary>
    private protected abstract int GateCount { get; }

    /// <summary>Whether the recurrent product h·U is kept apart from the input projection (GRU's reset gate scales
    /// part of it) instead of being added into the gates' pre-activations.</summary>
    private protected virtual bool KeepsRecurrentProductApart => false;

    /// <summary>Whether ∂h_{t−1} has a term besides ∂a_t·Uᵀ (GRU's z ⊙ h_{t−1}), which the cell's backward writes
    /// into the carry before the product is added to it.</summary>
    private protected virtual bool HasDirectStatePath => false;

    /// <summary>The parameters this kind adds after W, U and b (GRU's recurrent bias).</summary>
    private protected virtual IEnumerable<Parameter> CreateExtraParameters(int gateColumns) => [];

    /// <summary>The settings every recurrent kind declares in its <see cref="LayerType"/>: units, return_sequences, truncate.</summary>
    private protected static LayerParameter[] CommonParameters =>
    [
        new("units", ParameterKind.Int, Minimum: 1),
        new("return_sequences", ParameterKind.Bool, "false"),
        new("truncate", ParameterKind.Int, "0", Minimum: 0),
    ];

    /// <inheritdoc/>
    protected override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2)
        {
            throw new ShapeMismatchException($"Layer {Describe()} takes sequences [batch, time, features] but got [batch, {string.Join(", ", inputShape.ToArray())}]: put a reshape before it (image rows as steps: reshape(28, 28)).");
        }

        if ((long)GateCount * Units * Math.Max(inputShape[1], Units) > Array.MaxLength)
        {
            throw new ShapeMismatchException($"Layer {Describe()}: {GateCount} gates of {Units} units over {inputShape[1]} features need more weights than one array holds.");
        }

        int features = inputShape[1], columns = GateCount * Units;
        if (_kernel is null || _kernel.Shape[0] != features)
        {
            _kernel = new Parameter("kernel", new Shape(features, columns), isWeight: true);
            _recurrentKernel = new Parameter("recurrent_kernel", new Shape(Units, columns), isWeight: true);
            _bias = new Parameter("bias", new Shape(columns), isWeight: false);
            _parameters = [_kernel, _recurrentKernel, _bias, .. CreateExtraParameters(columns)];
        }

        return ReturnSequences ? new Shape(inputShape[0], Units) : new Shape(Units);
    }

    /// <summary>PyTorch's initialization: every weight and bias uniform in ±1/√units.</summary>
    public override void Initialize(Random random, Initializer defaultInitializer)
    {
        ArgumentNullException.ThrowIfNull(random);
        double limit = 1 / Math.Sqrt(Units);
        foreach (Parameter parameter in _parameters)
        {
            Initialization.FillUniform(parameter.Value, limit, random);
        }
    }

    /// <summary>Runs the steps: a_t = x_t·W + h_{t−1}·U + b, then the cell (<see cref="ForwardCell"/>).</summary>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        int steps = InputShape[0], features = InputShape[1], rows = input.Rows, units = Units, columns = GateCount * units;
        (_steps, _rows) = (steps, rows);
        int stepRows = steps * rows;

        // X [batch, time, features] → time-major [time, batch, features], so that step t's rows are contiguous.
        float* x = _inputTime.Ensure(stepRows * features);
        ReadOnlySpan<float> source = input.Span;
        for (int b = 0; b < rows; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                source.Slice((b * steps + t) * features, features).CopyTo(new Span<float>(x + ((nint)t * rows + b) * features, features));
            }
        }

        // The input projection of every step at once: a = X·W + b, [time·batch, gates·units].
        float* gates = _gates.Ensure(stepRows * columns);
        Gemm.Multiply(_inputTime.Slice(stepRows * features), false, Kernel.Value, false, _gates.Slice(stepRows * columns), stepRows, features, columns);
        TensorMath.AddRowVector(Bias.Value, stepRows, _gates.Slice(stepRows * columns));

        // h_{−1} = 0; the states h_0 … h_{T−1} follow it.
        _states.Ensure((steps + 1) * rows * units);
        _states.Slice(rows * units).Clear();
        if (KeepsRecurrentProductApart)
        {
            _recurrent.Ensure(stepRows * columns);
        }

        PrepareCells(steps, rows);
        _recurrentWeights.Pack(RecurrentKernel.Value, false, units, columns);
        Tensor output = _output.Get(rows, OutputShape);
        _lastOutput = output;
        _job.Run(forward: true, output, null);
        return output;
    }

    /// <summary>Runs the steps in reverse: the cell's backward (<see cref="BackwardCell"/>) gives ∂a_t, and
    /// ∂h_{t−1} = ∂a_t·Uᵀ (+ the cell's direct term); then ∂W, ∂U, ∂b over all steps, and ∂X = ∂a·Wᵀ.</summary>
    public override Tensor? Backward(Tensor outputGradient, bool needInputGradient)
    {
        Tensor output = _lastOutput ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        CheckOutputGradient(outputGradient, output);
        int steps = _steps, rows = _rows, features = InputShape[1], units = Units, columns = GateCount * units, stepRows = steps * rows;
        _carry.Ensure(rows * units);
        _carry.Slice(rows * units).Clear();
        PrepareBackward(rows);
        _recurrentWeightsTransposed.Pack(RecurrentKernel.Value, true, columns, units);
        _job.Run(forward: false, output, outputGradient);

        // in the forward pass this was a = X·W + H_prev·U + b (every step at once), so:
        Span<float> gateGradient = _gates.Slice(stepRows * columns);
        Span<float> recurrentGradient = KeepsRecurrentProductApart ? _recurrent.Slice(stepRows * columns) : gateGradient;
        Gemm.Multiply(_inputTime.Slice(stepRows * features), true, gateGradient, false, Kernel.Gradient, features, stepRows, columns, 1f, 1f);
        Gemm.Multiply(_states.Slice(stepRows * units), true, recurrentGradient, false, RecurrentKernel.Gradient, units, stepRows, columns, 1f, 1f);
        TensorMath.AccumulateColumnSums(gateGradient, stepRows, Bias.Gradient);
        AccumulateExtraGradients(recurrentGradient, stepRows);
        if (!needInputGradient)
        {
            return null;
        }

        // ∂X = ∂a·Wᵀ, time-major, then back to [batch, time, features].
        float* dx = _inputGradientTime.Ensure(stepRows * features);
        Gemm.Multiply(gateGradient, false, Kernel.Value, true, _inputGradientTime.Slice(stepRows * features), stepRows, columns, features);
        Tensor inputGradient = _inputGradient.Get(rows, InputShape);
        Span<float> target = inputGradient.Span;
        for (int b = 0; b < rows; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                new ReadOnlySpan<float>(dx + ((nint)t * rows + b) * features, features).CopyTo(target.Slice((b * steps + t) * features, features));
            }
        }

        return inputGradient;
    }

    /// <summary>Makes the cell's own buffers ready for a forward pass of <paramref name="steps"/> × <paramref name="rows"/>.</summary>
    private protected virtual void PrepareCells(int steps, int rows)
    {
    }

    /// <summary>Makes the cell's backward carries ready (zero) for <paramref name="rows"/> rows.</summary>
    private protected virtual void PrepareBackward(int rows)
    {
    }

    /// <summary>Adds the gradients of <see cref="CreateExtraParameters"/>'s parameters, from ∂(h·U) over all steps.</summary>
    private protected virtual void AccumulateExtraGradients(ReadOnlySpan<float> recurrentGradient, int stepRows)
    {
    }

    /// <summary>
    /// The cell at step <paramref name="s"/>.Step for rows [row0, row1): from the pre-activations in
    /// <see cref="StepPointers.Gates"/> (and <see cref="StepPointers.Recurrent"/> when kept apart) and h_{t−1}, writes
    /// h_t and keeps what backward needs (the activated gates, in place).
    /// </summary>
    private protected abstract void ForwardCell(in StepPointers s, int row0, int row1);

    /// <summary>
    /// The cell's backward at step <paramref name="s"/>.Step for rows [row0, row1): with ∂h_t in
    /// <see cref="StepPointers.Carry"/>, writes ∂a_t over the gates (and ∂(h·U) over the recurrent product when kept
    /// apart), and sets the carry to the direct part of ∂h_{t−1} (or zero) — to nothing at all, and the cell's own carries
    /// to zero, when <paramref name="carryBack"/> is false (the first step, or a truncation point).
    /// </summary>
    private protected abstract void BackwardCell(in StepPointers s, int row0, int row1, bool carryBack);

    private InvalidOperationException NotBuilt() => new($"Layer {Describe()} is not built yet.");

    /// <summary>Where step t's values are: row r of each is at <c>pointer + r·width</c> (width: gates·units for the
    /// gates and the recurrent product, units for the states and the carry).</summary>
    private protected readonly struct StepPointers(int step, int rows, float* gates, float* recurrent, float* previous, float* state, float* carry)
    {
        /// <summary>t.</summary>
        public int Step { get; } = step;

        /// <summary>Rows of the batch.</summary>
        public int Rows { get; } = rows;

        /// <summary>Step t's gates [batch, gates·units]: pre-activations, then activations, then ∂a_t.</summary>
        public float* Gates { get; } = gates;

        /// <summary>Step t's recurrent product h_{t−1}·U [batch, gates·units] (kept apart only), then its gradient.</summary>
        public float* Recurrent { get; } = recurrent;

        /// <summary>h_{t−1} [batch, units].</summary>
        public float* Previous { get; } = previous;

        /// <summary>h_t [batch, units].</summary>
        public float* State { get; } = state;

        /// <summary>∂h_t in backward [batch, units]; the cell leaves the direct part of ∂h_{t−1} there.</summary>
        public float* Carry { get; } = carry;
    }

    /// <summary>Runs the steps of each thread's rows (forward or backward) on the worker threads.</summary>
    private sealed class StepJob(RecurrentLayer layer) : IParallelWork
    {
        // Below this many multiply-adds per thread (over all the steps), a second thread costs more than it saves: a
        // small model (a forecast over 24 steps of 32 units, batch 16: 1.5 million) runs on one, and so does not wait
        // for a worker that another process holds (on a loaded 2-core machine that wait is milliseconds).
        private const long MinMultiplyAddsPerThread = 1L << 20;

        private bool _forward;
        private Tensor? _output, _outputGradient;
        private int _tiles, _tileRows;

        public void Run(bool forward, Tensor output, Tensor? outputGradient)
        {
            if (layer._rows == 0)
            {
                return;
            }

            (_forward, _output, _outputGradient) = (forward, output, outputGradient);
            _tileRows = Math.Max(layer._recurrentWeights.RowTile, 1);
            _tiles = (layer._rows + _tileRows - 1) / _tileRows;
            long work = (long)layer._rows * layer._steps * layer.Units * layer.GateCount * layer.Units;
            int threads = (int)Math.Clamp(work / MinMultiplyAddsPerThread, 1, Math.Min(_tiles, ParallelWorkers.Shared.ThreadCount));
            ParallelWorkers.Shared.Run(this, threads);
            (_output, _outputGradient) = (null, null);
        }

        public void Execute(int threadIndex, int threadCount)
        {
            // Whole tiles per thread: the same tiles whatever the thread count (see PackedMatrix).
            int row0 = (int)((long)_tiles * threadIndex / threadCount) * _tileRows;
            int row1 = Math.Min(layer._rows, (int)((long)_tiles * (threadIndex + 1) / threadCount) * _tileRows);
            if (row0 >= row1)
            {
                return;
            }

            if (_forward)
            {
                layer.ForwardRows(row0, row1, _output!);
            }
            else
            {
                layer.BackwardRows(row0, row1, _outputGradient!);
            }
        }
    }

    private StepPointers PointersAt(int t)
    {
        int rows = _rows, units = Units, columns = GateCount * units;
        float* recurrent = KeepsRecurrentProductApart ? _recurrent.Pointer + (nint)t * rows * columns : null;
        float* previous = _states.Pointer + (nint)t * rows * units;
        return new StepPointers(t, rows, _gates.Pointer + (nint)t * rows * columns, recurrent, previous, previous + (nint)rows * units, _carry.Pointer);
    }

    private void ForwardRows(int row0, int row1, Tensor output)
    {
        int steps = _steps, units = Units, columns = GateCount * units, count = row1 - row0;
        Span<float> y = output.Span;
        for (int t = 0; t < steps; t++)
        {
            StepPointers s = PointersAt(t);
            ReadOnlySpan<float> previous = new(s.Previous + (nint)row0 * units, count * units);
            if (KeepsRecurrentProductApart)
            {
                // h_{t−1}·U on its own (GRU: the reset gate scales part of it).
                _recurrentWeights.Multiply(previous, units, count, new Span<float>(s.Recurrent + (nint)row0 * columns, count * columns), columns, 0f);
            }
            else if (t > 0)
            {
                // a_t += h_{t−1}·U (h_{−1} = 0 adds nothing).
                _recurrentWeights.Multiply(previous, units, count, new Span<float>(s.Gates + (nint)row0 * columns, count * columns), columns, 1f);
            }

            ForwardCell(s, row0, row1);
            if (ReturnSequences)
            {
                for (int r = row0; r < row1; r++)
                {
                    new ReadOnlySpan<float>(s.State + (nint)r * units, units).CopyTo(y.Slice((r * steps + t) * units, units));
                }
            }
        }

        if (!ReturnSequences)
        {
            new ReadOnlySpan<float>(_states.Pointer + ((nint)steps * _rows + row0) * units, count * units).CopyTo(y.Slice(row0 * units, count * units));
        }
    }

    private void BackwardRows(int row0, int row1, Tensor outputGradient)
    {
        int steps = _steps, units = Units, columns = GateCount * units, count = row1 - row0;
        ReadOnlySpan<float> dy = outputGradient.Span;
        Span<float> carry = new(_carry.Pointer + (nint)row0 * units, count * units);
        for (int t = steps - 1; t >= 0; t--)
        {
            // ∂h_t = ∂y_t (every step's output, or the last one's) + what flows back from step t + 1.
            if (ReturnSequences)
            {
                for (int r = row0; r < row1; r++)
                {
                    TensorMath.Axpy(1f, dy.Slice((r * steps + t) * units, units), carry.Slice((r - row0) * units, units));
                }
            }
            else if (t == steps - 1)
            {
                TensorMath.Axpy(1f, dy.Slice(row0 * units, count * units), carry);
            }

            bool carryBack = t > 0 && (Truncate == 0 || t % Truncate != 0);
            StepPointers s = PointersAt(t);
            BackwardCell(s, row0, row1, carryBack);
            if (carryBack)
            {
                // in the forward pass this was a_t = … + h_{t−1}·U, so ∂h_{t−1} (+)= ∂a_t·Uᵀ
                float* dRecurrent = KeepsRecurrentProductApart ? s.Recurrent : s.Gates;
                _recurrentWeightsTransposed.Multiply(new ReadOnlySpan<float>(dRecurrent + (nint)row0 * columns, count * columns), columns, count,
                    carry, units, HasDirectStatePath ? 1f : 0f);
            }
            else
            {
                carry.Clear();
            }
        }
    }
}
