using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A convolution followed by a ReLU (and a max pooling) computed as one block, sample by sample: the convolution's
/// output is made, rectified and pooled while it is in the thread's cache, and only the block's output (a quarter of
/// the values, after 2×2 pooling) goes to memory; backward rebuilds each sample's convolution-output gradient in cache
/// from the pooling's argmax. The first layer of the Keras convnet writes 11 MB per batch of 128 otherwise, which the
/// ReLU and the pooling read and write again, forward and backward.
/// </summary>
/// <remarks>
/// The same kernels run in the same order as in the separate layers (<see cref="TensorMath.Relu"/>,
/// <see cref="Pooling.MaxForward"/>, the convolution's own), so the block is bit-identical to them: max pooling of
/// rectified values takes the same positions, and the gradient reaches a position exactly when its pooled value is
/// positive (ReLU passes it) — where several windows share a maximum, their gradients add in the same order.
/// </remarks>
public sealed partial class Conv2D : IFusedLayer
{
    private readonly BatchBuffer _fusedOutput = new();
    private int _fusedLayers;
    private MaxPool2D? _fusedPool;
    private Tensor? _lastFusedOutput;
    private int[] _fusedArgmax = [];

    /// <inheritdoc/>
    int IFusedLayer.Fuse(IReadOnlyList<Layer> layers, int index)
    {
        _fusedLayers = 0;
        _fusedPool = null;
        if (index + 1 < layers.Count && layers[index + 1] is ReLU)
        {
            _fusedPool = index + 2 < layers.Count ? layers[index + 2] as MaxPool2D : null;
            _fusedLayers = _fusedPool is null ? 1 : 2;
        }

        return _fusedLayers;
    }

    /// <inheritdoc/>
    Tensor IFusedLayer.ForwardFused(Tensor input, ForwardContext context)
    {
        CheckInput(input);
        _input = input;
        Tensor output = _fusedOutput.Get(input.Rows, _fusedPool?.OutputShape ?? OutputShape);
        if (_fusedPool is not null && _fusedArgmax.Length < output.Length)
        {
            _fusedArgmax = new int[output.Length];
        }

        _pass.Run(Mode.FusedForward, input, output, null, null);
        _lastFusedOutput = output;
        return output;
    }

    /// <inheritdoc/>
    Tensor? IFusedLayer.BackwardFused(Tensor outputGradient, bool needInputGradient)
    {
        Tensor input = _input ?? throw new InvalidOperationException($"Layer {Describe()}: Backward called before Forward.");
        CheckOutputGradient(outputGradient, _lastFusedOutput ?? throw new InvalidOperationException($"Layer {Describe()}: BackwardFused called before ForwardFused."));
        Tensor? inputGradient = needInputGradient ? _inputGradient.Get(input.Rows, InputShape) : null;
        _pass.Run(Mode.FusedBackward, input, null, outputGradient, inputGradient);
        return inputGradient;
    }

    /// <summary>Sample <paramref name="s"/>: y = relu(conv(x)), then pooled into <paramref name="output"/> when a pool is
    /// fused (the convolution's output stays in the thread's scratch).</summary>
    private void ForwardFusedSample(int s, ReadOnlySpan<float> x, Span<float> output, Scratch scratch)
    {
        Span<float> y = _fusedPool is null ? output : scratch.Output(OutputShape.Count);
        ForwardSample(x, y, scratch);
        TensorMath.Relu(y, y);
        if (_fusedPool is not null)
        {
            Pooling.MaxForward(_fusedPool.Geometry, y, output, _fusedArgmax.AsSpan(s * output.Length, output.Length));
        }
    }

    /// <summary>Sample <paramref name="s"/>'s gradient at the convolution's output, from the block's output gradient:
    /// through the ReLU (dY where y &gt; 0), and first back through the pooling (to each window's maximum).</summary>
    private ReadOnlySpan<float> FusedOutputGradient(int s, ReadOnlySpan<float> blockGradient, Scratch scratch)
    {
        Span<float> dy = scratch.OutputGradient(OutputShape.Count);
        ReadOnlySpan<float> blockOutput = _lastFusedOutput!.Span.Slice(s * blockGradient.Length, blockGradient.Length);
        if (_fusedPool is null)
        {
            TensorMath.ReluBackward(blockOutput, blockGradient, dy);
            return dy;
        }

        // the pooled value is the rectified maximum: the ReLU passes the gradient to the maximum's position when it is positive
        ReadOnlySpan<int> argmax = _fusedArgmax.AsSpan(s * blockGradient.Length, blockGradient.Length);
        if (Pooling.IsVectorized(_fusedPool.Geometry))
        {
            Pooling.MaxBackward2x2(_fusedPool.Geometry, blockGradient, blockOutput, argmax, dy);
            return dy;
        }

        dy.Clear();
        for (int j = 0; j < blockGradient.Length; j++)
        {
            if (blockOutput[j] > 0f)
            {
                dy[argmax[j]] += blockGradient[j];
            }
        }

        return dy;
    }
}
