namespace Nabla.Data;

/// <summary>
/// Brings a picture of any size — a photo, a scan, a drawing on a canvas — into the form of a model's training images,
/// with MNIST's own procedure: grayscale by luminance, alpha composited over a background that contrasts with the ink,
/// ink polarity detected from the border, the ink's bounding box scaled to fit the training box keeping its aspect
/// ratio (anti-aliased), and the result placed in the frame by its centre of mass (or its box's centre), in the
/// polarity training used.
/// </summary>
/// <remarks>
/// <para>LeCun et al.: "The original black and white (bilevel) images from NIST were size normalized to fit in a 20x20
/// pixel box while preserving their aspect ratio. The resulting images contain grey levels as a result of the
/// anti-aliasing technique used by the normalization algorithm. the images were centered in a 28x28 image by
/// computing the center of mass of the pixels, and translating the image so as to position this point at the center
/// of the 28x28 field." The centre there is pixel index 14: with pixel centres at i + ½, as here, the training digits'
/// mean centre of mass is (14.5, 14.5), and that is where a picture's goes.</para>
/// <para>Levels: the background is the median of the border pixels; a pixel's ink is its distance from the
/// background over the typical ink level (the median of the pixels at least half as far from the background as the
/// farthest), with the lowest tenth cut off (paper texture, JPEG ringing) and clamped to [0, 1]. The bounding box holds
/// the pixels of at least half the full ink (<see cref="ImageStyle.InkThreshold"/>), as <see cref="ImageStyle.Measure"/>
/// measured it on the training images. Resampling is separable with a tent filter as wide as a destination pixel
/// (bilinear when enlarging, an area average when shrinking), one pass per axis, so a 50-megapixel photo costs a few
/// hundred milliseconds and memory of a few of its rows.</para>
/// </remarks>
public static class ImagePreprocessor
{
    private const float NoiseFloor = 0.1f;
    private const int MinimumContrast = 8;

    /// <summary>The image the model receives: <paramref name="outputHeight"/> × <paramref name="outputWidth"/> raw
    /// values in 0..255 (as an IDX file holds them; scale them as the model's inputs are scaled), row by row.</summary>
    /// <param name="gray">Luminance, 0..255, row by row (<paramref name="width"/> × <paramref name="height"/>).</param>
    /// <param name="alpha">Opacity per pixel (255 = opaque), or empty for an opaque image.</param>
    /// <param name="width">The picture's width in pixels.</param>
    /// <param name="height">The picture's height in pixels.</param>
    /// <param name="style">What the training images looked like.</param>
    /// <param name="outputHeight">The model's image height (28).</param>
    /// <param name="outputWidth">The model's image width (28).</param>
    /// <returns>An image of background only when the picture has no visible ink (less than 8 grey levels of contrast).</returns>
    public static float[] Prepare(ReadOnlySpan<byte> gray, ReadOnlySpan<byte> alpha, int width, int height, ImageStyle style, int outputHeight, int outputWidth)
    {
        ArgumentNullException.ThrowIfNull(style);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputHeight, 1);
        if (gray.Length != (long)width * height || (!alpha.IsEmpty && alpha.Length != gray.Length))
        {
            throw new ArgumentException($"{gray.Length} grey values (and {alpha.Length} alpha values) are not a {width}×{height} image.");
        }

        byte[] composited = Composite(gray, alpha);
        float[] ink = InkLevels(composited, width, height);
        var result = new float[outputHeight * outputWidth];
        if (ink[255] == 0 && ink[0] == 0 && Array.TrueForAll(ink, v => v == 0))
        {
            Paint(result, style);
            return result;
        }

        // The box and the centre, in source pixels.
        int x0 = width, y0 = height, x1 = 0, y1 = 0;
        double sx = 0, sy = 0, mass = 0;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = composited.AsSpan(y * width, width);
            double rowMass = 0, rowX = 0;
            for (int x = 0; x < width; x++)
            {
                float v = ink[row[x]];
                if (v >= ImageStyle.InkThreshold)
                {
                    (x0, x1, y0, y1) = (Math.Min(x0, x), Math.Max(x1, x + 1), Math.Min(y0, y), Math.Max(y1, y + 1));
                }

                rowMass += v;
                rowX += v * (x + 0.5);
            }

            mass += rowMass;
            sx += rowX;
            sy += rowMass * (y + 0.5);
        }

        double scale = (double)style.BoxSize / Math.Max(x1 - x0, y1 - y0);
        var (cx, cy) = style.Centering == ImageCentering.CenterOfMass ? (sx / mass, sy / mass) : ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        // MNIST put the centre of mass at pixel index 14 — pixel centres at i + ½ put it at 14.5 (the training
        // digits' mean is (14.5, 14.5)); a box is centred on the frame itself.
        double target = style.Centering == ImageCentering.CenterOfMass ? 0.5 : 0;
        Axis columns = Axis.Create(outputWidth, width, cx, scale, outputWidth / 2.0 + target);
        Axis rows = Axis.Create(outputHeight, height, cy, scale, outputHeight / 2.0 + target);

        // Horizontal pass over the source rows the vertical taps reach, then the vertical pass.
        int firstRow = rows.First, rowCount = rows.Last - rows.First + 1;
        var across = new float[Math.Max(0, rowCount) * outputWidth];
        for (int r = 0; r < rowCount; r++)
        {
            ReadOnlySpan<byte> row = composited.AsSpan((firstRow + r) * width, width);
            for (int x = 0; x < outputWidth; x++)
            {
                double sum = 0;
                var (start, weights) = columns.Taps[x];
                for (int t = 0; t < weights.Length; t++)
                {
                    sum += weights[t] * ink[row[start + t]];
                }

                across[r * outputWidth + x] = (float)sum;
            }
        }

        for (int y = 0; y < outputHeight; y++)
        {
            var (start, weights) = rows.Taps[y];
            for (int x = 0; x < outputWidth; x++)
            {
                double sum = 0;
                for (int t = 0; t < weights.Length; t++)
                {
                    sum += weights[t] * across[(start + t - firstRow) * outputWidth + x];
                }

                float level = (float)Math.Clamp(sum, 0, 1);
                result[y * outputWidth + x] = style.LightInk ? 255f * level : 255f * (1 - level);
            }
        }

        return result;
    }

    /// <summary>Grey values with the alpha channel composited over a background that contrasts with the ink: white
    /// under dark ink, black under light ink (the ink's colour is the mean of the mostly opaque pixels). A transparent
    /// PNG holding a black digit is thus black on white, not black on black.</summary>
    private static byte[] Composite(ReadOnlySpan<byte> gray, ReadOnlySpan<byte> alpha)
    {
        byte[] result = gray.ToArray();
        if (alpha.IsEmpty || !alpha.ContainsAnyExcept((byte)255))
        {
            return result;
        }

        double inkSum = 0, inkWeight = 0;
        for (int i = 0; i < gray.Length; i++)
        {
            if (alpha[i] >= 128)
            {
                inkSum += gray[i];
                inkWeight++;
            }
        }

        int background = inkWeight > 0 && inkSum / inkWeight >= 128 ? 0 : 255;
        for (int i = 0; i < gray.Length; i++)
        {
            result[i] = (byte)((gray[i] * alpha[i] + background * (255 - alpha[i]) + 127) / 255);
        }

        return result;
    }

    /// <summary>The ink level in [0, 1] of each grey value (a lookup table), from the picture's histogram: see the remarks.</summary>
    private static float[] InkLevels(byte[] pixels, int width, int height)
    {
        var histogram = new long[256];
        foreach (byte v in pixels)
        {
            histogram[v]++;
        }

        var border = new List<byte>(2 * (width + height));
        for (int x = 0; x < width; x++)
        {
            border.Add(pixels[x]);
            border.Add(pixels[(height - 1) * width + x]);
        }

        for (int y = 1; y < height - 1; y++)
        {
            border.Add(pixels[y * width]);
            border.Add(pixels[y * width + width - 1]);
        }

        border.Sort();
        int background = border[border.Count / 2];
        bool darkInk = background >= 128;
        int Distance(int v) => Math.Max(0, darkInk ? background - v : v - background);

        int farthest = 0;
        for (int v = 0; v < 256; v++)
        {
            if (histogram[v] > 0)
            {
                farthest = Math.Max(farthest, Distance(v));
            }
        }

        var levels = new float[256];
        if (farthest < MinimumContrast)
        {
            return levels;
        }

        // The typical ink: the median distance of the pixels at least half as far as the farthest.
        long strong = 0;
        for (int v = 0; v < 256; v++)
        {
            strong += 2 * Distance(v) >= farthest ? histogram[v] : 0;
        }

        int typical = farthest;
        long seen = 0;
        foreach (int v in Enumerable.Range(0, 256).Where(v => 2 * Distance(v) >= farthest).OrderBy(Distance))
        {
            seen += histogram[v];
            if (2 * seen >= strong)
            {
                typical = Distance(v);
                break;
            }
        }

        for (int v = 0; v < 256; v++)
        {
            float level = (float)Distance(v) / Math.Max(1, typical);
            levels[v] = Math.Clamp((level - NoiseFloor) / (1 - NoiseFloor), 0f, 1f);
        }

        return levels;
    }

    private static void Paint(Span<float> image, ImageStyle style) => image.Fill(style.LightInk ? 0f : 255f);

    /// <summary>The source taps of each destination pixel along one axis: destination centre d + ½ maps to source
    /// coordinate <c>centre + (d + ½ − target)/scale</c>; a tent filter of radius max(1, 1/scale) source pixels,
    /// weights normalized, taps clipped to the picture (pixels outside it are background and add nothing).</summary>
    private sealed class Axis
    {
        public required (int Start, double[] Weights)[] Taps { get; init; }

        public int First { get; init; }

        public int Last { get; init; }

        public static Axis Create(int size, int sourceSize, double centre, double scale, double target)
        {
            double radius = Math.Max(1, 1 / scale);
            var taps = new (int, double[])[size];
            int first = sourceSize, last = 0;
            for (int d = 0; d < size; d++)
            {
                double at = centre + (d + 0.5 - target) / scale;
                int from = (int)Math.Floor(at - radius - 0.5), to = (int)Math.Ceiling(at + radius - 0.5);
                double total = 0;
                for (int i = from; i <= to; i++)
                {
                    total += Math.Max(0, 1 - Math.Abs(i + 0.5 - at) / radius);
                }

                int start = Math.Clamp(from, 0, sourceSize), end = Math.Clamp(to + 1, 0, sourceSize);
                var weights = new double[Math.Max(0, end - start)];
                for (int i = start; i < end; i++)
                {
                    weights[i - start] = total > 0 ? Math.Max(0, 1 - Math.Abs(i + 0.5 - at) / radius) / total : 0;
                }

                if (weights.Length > 0)
                {
                    first = Math.Min(first, start);
                    last = Math.Max(last, end - 1);
                }

                taps[d] = (weights.Length > 0 ? start : 0, weights);
            }

            if (first > last)
            {
                (first, last) = (0, -1);
            }

            return new Axis { Taps = taps, First = first, Last = last };
        }
    }
}
