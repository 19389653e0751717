using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Layers;

/// <summary>Batch normalization of images [batch, C, H, W]: the formulas of the class summary with every sum over the
/// batch and the H·W pixels of a channel (sample n's channel c is the run of H·W values at (n·C + c)·H·W).</summary>
public sealed partial class BatchNorm
{
    private ChannelPass? _channelPass;

    private Tensor ForwardImages(Tensor input, bool training)
    {
        int rows = input.Rows;
        if (training && rows * _pixels < 2)
        {
            throw new ShapeMismatchException($"Layer {Describe()} needs at least 2 values per channel in training, got {input.Shape}.");
        }

        Tensor output = _output.Get(rows, InputShape);
        Tensor normalized = _normalized.Get(rows, InputShape);
        (_channelPass ??= new ChannelPass(this)).Run(training ? ChannelMode.Train : ChannelMode.Infer, input, normalized, output, null);
        _lastNormalized = training ? normalized : null;
        return output;
    }

    private Tensor? BackwardImages(Tensor outputGradient, Tensor normalized, bool needInputGradient)
    {
        if (outputGradient.Rows != normalized.Rows || outputGradient.Length != normalized.Length)
        {
            throw new ShapeMismatchException($"Layer {Describe()} produced {normalized.Shape} but got a gradient of shape {outputGradient.Shape}.");
        }

        Tensor? inputGradient = needInputGradient ? _inputGradient.Get(normalized.Rows, InputShape) : null;
        _channelPass!.Run(ChannelMode.Backward, outputGradient, normalized, null, inputGradient);
        return inputGradient;
    }

    /// <summary>Forward in training: μ, σ², x̂ and y for channel <paramref name="c"/>, and its running statistics.</summary>
    private void TrainChannel(int c, ReadOnlySpan<float> x, Span<float> xHat, Span<float> y, int rows)
    {
        int pixels = _pixels, stride = _features * pixels;
        double count = (double)rows * pixels;
        // μ = mean over the batch and the pixels; σ² = mean of (x − μ)² (two passes: stable)
        double sum = 0;
        for (int n = 0; n < rows; n++)
        {
            sum += TensorPrimitives.Sum(x.Slice(n * stride + c * pixels, pixels));
        }

        float mean = (float)(sum / count);
        double squares = 0;
        for (int n = 0; n < rows; n++)
        {
            Span<float> centered = xHat.Slice(n * stride + c * pixels, pixels);
            TensorPrimitives.Subtract(x.Slice(n * stride + c * pixels, pixels), mean, centered);
            squares += TensorPrimitives.SumOfSquares(centered);
        }

        float variance = (float)(squares / count);
        RunningMean.Value[c] = (1 - Momentum) * RunningMean.Value[c] + Momentum * mean;
        RunningVariance.Value[c] = (1 - Momentum) * RunningVariance.Value[c] + Momentum * (float)(squares / Math.Max(1, count - 1));
        float inverse = 1f / MathF.Sqrt(variance + Epsilon);
        _inverseDeviation[c] = inverse;
        float gamma = Scale.Value[c], beta = Shift.Value[c];
        for (int n = 0; n < rows; n++)
        {
            Span<float> run = xHat.Slice(n * stride + c * pixels, pixels);
            TensorPrimitives.Multiply(run, inverse, run);
            TensorMath.ScaleShift(run, gamma, beta, y.Slice(n * stride + c * pixels, pixels));
        }
    }

    /// <summary>Inference: y = γ·(x − r_μ)/√(r_σ² + ε) + β for channel <paramref name="c"/>.</summary>
    private void InferChannel(int c, ReadOnlySpan<float> x, Span<float> y, int rows)
    {
        int pixels = _pixels, stride = _features * pixels;
        float scale = Scale.Value[c] / MathF.Sqrt(RunningVariance.Value[c] + Epsilon);
        float shift = Shift.Value[c] - RunningMean.Value[c] * scale;
        for (int n = 0; n < rows; n++)
        {
            TensorMath.ScaleShift(x.Slice(n * stride + c * pixels, pixels), scale, shift, y.Slice(n * stride + c * pixels, pixels));
        }
    }

    /// <summary>dγ += Σ dY·x̂, dβ += Σ dY and (unless <paramref name="dX"/> is empty)
    /// dX = (γ/σ)·(dY − mean(dY) − x̂·mean(dY·x̂)) for channel <paramref name="c"/>.</summary>
    private void BackwardChannel(int c, ReadOnlySpan<float> dY, ReadOnlySpan<float> xHat, Span<float> dX, int rows)
    {
        int pixels = _pixels, stride = _features * pixels;
        double sumGradient = 0, sumGradientNormalized = 0;
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<float> g = dY.Slice(n * stride + c * pixels, pixels);
            sumGradient += TensorPrimitives.Sum(g);
            sumGradientNormalized += TensorPrimitives.Dot(g, xHat.Slice(n * stride + c * pixels, pixels));
        }

        Shift.Gradient[c] += (float)sumGradient;
        Scale.Gradient[c] += (float)sumGradientNormalized;
        if (dX.IsEmpty)
        {
            return;
        }

        double count = (double)rows * pixels;
        float meanGradient = (float)(sumGradient / count), meanGradientNormalized = (float)(-sumGradientNormalized / count);
        float gain = Scale.Value[c] * _inverseDeviation[c];
        for (int n = 0; n < rows; n++)
        {
            Span<float> dx = dX.Slice(n * stride + c * pixels, pixels);
            // dx = dY − mean(dY) − x̂·mean(dY·x̂), then ·γ/σ
            TensorPrimitives.Subtract(dY.Slice(n * stride + c * pixels, pixels), meanGradient, dx);
            TensorPrimitives.MultiplyAdd(xHat.Slice(n * stride + c * pixels, pixels), meanGradientNormalized, dx, dx);
            TensorPrimitives.Multiply(dx, gain, dx);
        }
    }

    private enum ChannelMode
    {
        Train,
        Infer,
        Backward,
    }

    /// <summary>One pass over the channels of a batch, each thread taking the next channel not yet taken.</summary>
    private sealed class ChannelPass(BatchNorm layer) : IParallelWork
    {
        private ChannelMode _mode;
        private Tensor? _x, _normalized, _y, _dX;
        private int _next;

        /// <summary>Train/Infer: x → (x̂,) y. Backward: dY in <paramref name="x"/>, x̂, → dX (or null).</summary>
        public void Run(ChannelMode mode, Tensor x, Tensor normalized, Tensor? y, Tensor? dX)
        {
            (_mode, _x, _normalized, _y, _dX, _next) = (mode, x, normalized, y, dX, 0);
            // small images (few values per channel) are not worth waking the other threads for
            int threads = (long)x.Length < 1 << 15 ? 1 : layer._features;
            ParallelWorkers.Shared.Run(this, threads);
            (_x, _normalized, _y, _dX) = (null, null, null, null);
        }

        public void Execute(int threadIndex, int threadCount)
        {
            int rows = _x!.Rows;
            for (int c = Interlocked.Increment(ref _next) - 1; c < layer._features; c = Interlocked.Increment(ref _next) - 1)
            {
                switch (_mode)
                {
                    case ChannelMode.Train:
                        layer.TrainChannel(c, _x.Span, _normalized!.Span, _y!.Span, rows);
                        break;
                    case ChannelMode.Infer:
                        layer.InferChannel(c, _x.Span, _y!.Span, rows);
                        break;
                    default:
                        layer.BackwardChannel(c, _x.Span, _normalized!.Span, _dX is null ? [] : _dX.Span, rows);
                        break;
                }
            }
        }
    }
}
