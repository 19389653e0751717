using System.Globalization;
using Nabla.Tensors;
using Nabla.Threading;

namespace Nabla.Data;

/// <summary>
/// Random distortions of training images, drawn afresh for every sample of every step: a translation of up to
/// <see cref="Shift"/> pixels in each direction, a rotation of up to <see cref="Rotate"/> degrees and a zoom by a
/// factor in [1 − <see cref="Scale"/>, 1 + <see cref="Scale"/>], about the image centre, sampled bilinearly with zeros
/// outside (Keras's <c>ImageDataGenerator</c>, torchvision's <c>RandomAffine</c>). Written
/// <c>shift=2,rotate=10,scale=0.1</c>.
/// </summary>
/// <remarks>
/// The draws are a hash of (seed, training step, sample index) — no sequential generator — so a run is reproducible,
/// a resumed run draws what an uninterrupted one would, and the samples of a batch are distorted in parallel.
/// Only training batches are distorted; evaluation sees the images as they are.
/// </remarks>
public sealed record ImageAugmentation
{
    /// <summary>The names <see cref="Parse"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["shift", "rotate", "scale"];

    /// <summary>Largest translation, in pixels, along each axis.</summary>
    public float Shift { get; init; }

    /// <summary>Largest rotation, in degrees, either way.</summary>
    public float Rotate { get; init; }

    /// <summary>Largest relative zoom: the factor is in [1 − Scale, 1 + Scale].</summary>
    public float Scale { get; init; }

    /// <summary>Whether every draw is the identity.</summary>
    public bool IsIdentity => Shift == 0 && Rotate == 0 && Scale == 0;

    /// <summary>Parses <c>shift=2,rotate=10,scale=0.1</c> (any subset, any order).</summary>
    /// <exception cref="ArgumentException">An unknown name, a repeated one, or a value out of range; the message
    /// names it.</exception>
    public static ImageAugmentation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new ImageAugmentation();
        var seen = new HashSet<string>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            string name = pair[0].ToLowerInvariant();
            if (!Names.Contains(name))
            {
                throw new ArgumentException($"unknown distortion '{pair[0]}' in '{text}' (distortions: {string.Join(", ", Names.Select(n => n + "=…"))}, e.g. shift=2,rotate=10,scale=0.1).");
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"'{name}' is given twice in '{text}'.");
            }

            (double maximum, string range) = name switch { "shift" => (64.0, "in [0, 64] pixels"), "rotate" => (180.0, "in [0, 180] degrees"), _ => (0.9, "in [0, 0.9]") };
            if (pair.Length != 2 || !double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= 0 && value <= maximum))
            {
                throw new ArgumentException($"{name} must be a number {range}, got '{(pair.Length == 2 ? pair[1] : "")}' in '{text}'.");
            }

            result = name switch
            {
                "shift" => result with { Shift = (float)value },
                "rotate" => result with { Rotate = (float)value },
                _ => result with { Scale = (float)value },
            };
        }

        if (seen.Count == 0)
        {
            throw new ArgumentException($"no distortion in '{text}' (e.g. shift=2,rotate=10,scale=0.1).");
        }

        return result;
    }

    /// <summary>"shift=2,rotate=10,scale=0.1", the form <see cref="Parse"/> reads.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"shift={Shift},rotate={Rotate},scale={Scale}");

    /// <summary>Distorts one image [C, H, W] by the draw that <paramref name="seed"/>, <paramref name="step"/> and
    /// <paramref name="sample"/> give: <paramref name="output"/> = the transformed <paramref name="image"/>.</summary>
    public void Apply(ReadOnlySpan<float> image, Shape sampleShape, ulong seed, long step, int sample, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ulong state = Mix(seed ^ Mix((ulong)step * 0x9E3779B97F4A7C15UL + (ulong)(uint)sample));
        float tx = Shift * Uniform(ref state), ty = Shift * Uniform(ref state);
        float angle = Rotate * Uniform(ref state) * (MathF.PI / 180f);
        float zoom = 1f + Scale * Uniform(ref state);
        Transform(image, sampleShape[0], sampleShape[1], sampleShape[2], tx, ty, angle, zoom, output);
    }

    /// <summary>
    /// output = the image moved by (tx, ty) pixels, turned by <paramref name="angle"/> radians and zoomed by
    /// <paramref name="zoom"/> about its centre c: each output pixel p' reads the input at
    /// p = R(−angle)·(p' − c − t)/zoom + c, bilinearly, zero outside.
    /// </summary>
    internal static void Transform(ReadOnlySpan<float> image, int channels, int height, int width, float tx, float ty, float angle, float zoom, Span<float> output)
    {
        float cx = (width - 1) / 2f, cy = (height - 1) / 2f;
        float cos = MathF.Cos(angle) / zoom, sin = MathF.Sin(angle) / zoom;
        int plane = height * width;
        for (int oy = 0; oy < height; oy++)
        {
            for (int ox = 0; ox < width; ox++)
            {
                float dx = ox - cx - tx, dy = oy - cy - ty;
                float sx = cos * dx + sin * dy + cx, sy = -sin * dx + cos * dy + cy;
                int x0 = (int)MathF.Floor(sx), y0 = (int)MathF.Floor(sy);
                float fx = sx - x0, fy = sy - y0;
                for (int c = 0; c < channels; c++)
                {
                    ReadOnlySpan<float> source = image.Slice(c * plane, plane);
                    float top = Lerp(Pixel(source, height, width, y0, x0), Pixel(source, height, width, y0, x0 + 1), fx);
                    float bottom = Lerp(Pixel(source, height, width, y0 + 1, x0), Pixel(source, height, width, y0 + 1, x0 + 1), fx);
                    output[c * plane + oy * width + ox] = Lerp(top, bottom, fy);
                }
            }
        }
    }

    private static float Pixel(ReadOnlySpan<float> plane, int height, int width, int y, int x) =>
        (uint)y < (uint)height && (uint)x < (uint)width ? plane[y * width + x] : 0f;

    private static float Lerp(float a, float b, float t) => t == 0f ? a : a + (b - a) * t;

    /// <summary>A uniform draw in [−1, 1) from a SplitMix64 stream.</summary>
    private static float Uniform(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return (Mix(state) >> 40) * (2f / (1 << 24)) - 1f;
    }

    /// <summary>SplitMix64's finalizer.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Distorts the images of a training batch, the samples split over the worker threads (each sample's draw
/// depends only on the seed, the step and the sample's index, so the batch is the same on any number of threads).</summary>
internal sealed class BatchAugmenter(ImageAugmentation augmentation, Shape sampleShape, int seed) : SampleRangeWork
{
    private Tensor? _source, _target;
    private int[]? _order;
    private int _start;
    private long _step;

    /// <summary>target[i] = the distorted source[i], sample i of the batch being order[start + i].</summary>
    public void Run(Tensor source, Tensor target, int[] order, int start, long step)
    {
        (_source, _target, _order, _start, _step) = (source, target, order, start, step);
        RunSamples(source.Rows);
        (_source, _target, _order) = (null, null, null);
    }

    protected override void Process(int start, int end)
    {
        int size = sampleShape.Count;
        ulong key = (ulong)(uint)seed * 0xD1B54A32D192ED03UL + 0xA0761D6478BD642FUL;
        for (int i = start; i < end; i++)
        {
            augmentation.Apply(_source!.Span.Slice(i * size, size), sampleShape, key, _step, _order![_start + i], _target!.Span.Slice(i * size, size));
        }
    }
}
