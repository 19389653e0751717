using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nabla.Data;

/// <summary>
/// What the training images of an image model looked like — ink polarity, how the ink is placed in the frame and how
/// large it is — so that a new picture (a photo, a drawing) is brought into the same form before prediction
/// (<see cref="ImagePreprocessor"/>). Stored in the model file (metadata key <c>image_style</c>).
/// </summary>
/// <param name="LightInk">Light ink on a dark background (MNIST), or dark ink on light.</param>
/// <param name="Centering">How the ink is placed: by its centre of mass (MNIST) or by its bounding box.</param>
/// <param name="BoxSize">The ink's bounding box fits a square of this many pixels (MNIST: 20 of 28), its aspect ratio
/// kept; the box is the region of pixels at least half as bright as the brightest ink.</param>
public sealed record ImageStyle(bool LightInk, ImageCentering Centering, int BoxSize)
{
    /// <summary>The share of the brightest ink a pixel needs to count in the ink's bounding box.</summary>
    public const float InkThreshold = 0.5f;

    /// <summary>MNIST's own procedure: light ink on black, the digit's box scaled to fit 20×20, centred by mass in
    /// 28×28 (what <see cref="Measure"/> finds on mnist-10k; the default for model files that do not say).</summary>
    public static ImageStyle Mnist { get; } = new(true, ImageCentering.CenterOfMass, 20);

    /// <summary>The style of <paramref name="images"/> (samples of shape [1, height, width], [height, width] or a square
    /// [side²]), measured on up to <paramref name="maxSamples"/> of them spread over the set: the polarity most images
    /// show at their border, the median size of the ink's bounding box, and whichever centring leaves the ink closer to
    /// the frame's centre on average. Null when the samples are not one-channel images or hold no ink.</summary>
    public static ImageStyle? Measure(Dataset images, int maxSamples = 1000)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (ImageSize(images.SampleShape) is not var (height, width) || images.Count == 0)
        {
            return null;
        }

        int n = Math.Min(images.Count, Math.Max(1, maxSamples));
        int[] indices = Enumerable.Range(0, n).Select(i => (int)((long)i * images.Count / n)).ToArray();
        float[] pixels = new float[n * height * width];
        images.CopyFeatures(indices, pixels);
        int lightVotes = 0, measured = 0;
        var boxes = new List<int>(n);
        double massDistance = 0, boxDistance = 0;
        float[] ink = new float[height * width];
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> image = pixels.AsSpan(s * height * width, height * width);
            float min = System.Numerics.Tensors.TensorPrimitives.Min(image), max = System.Numerics.Tensors.TensorPrimitives.Max(image);
            if (!(max - min > 1e-6f))
            {
                continue;
            }

            bool light = BorderMedian(image, height, width) <= (min + max) / 2;
            lightVotes += light ? 1 : 0;
            for (int i = 0; i < ink.Length; i++)
            {
                ink[i] = (light ? image[i] - min : max - image[i]) / (max - min);
            }

            var (x0, y0, x1, y1) = InkBox(ink, height, width);
            var (cx, cy, _) = CenterOfMass(ink, height, width);
            boxes.Add(Math.Max(x1 - x0, y1 - y0));
            massDistance += Distance(cx, cy, width / 2.0, height / 2.0);
            boxDistance += Distance((x0 + x1) / 2.0, (y0 + y1) / 2.0, width / 2.0, height / 2.0);
            measured++;
        }

        if (measured == 0)
        {
            return null;
        }

        boxes.Sort();
        return new ImageStyle(2 * lightVotes >= measured, massDistance <= boxDistance ? ImageCentering.CenterOfMass : ImageCentering.BoundingBox, boxes[boxes.Count / 2]);
    }

    /// <summary>The height and width of a one-channel image sample shape ([1, h, w], [h, w], or [side²] as old model
    /// files and flat features have it); null for anything else.</summary>
    public static (int Height, int Width)? ImageSize(Tensors.Shape sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        switch (sampleShape.Rank)
        {
            case 3 when sampleShape[0] == 1:
                return (sampleShape[1], sampleShape[2]);
            case 2:
                return (sampleShape[0], sampleShape[1]);
            case 1:
                int side = (int)Math.Round(Math.Sqrt(sampleShape[0]));
                return side * side == sampleShape[0] && side > 1 ? (side, side) : null;
            default:
                return null;
        }
    }

    /// <summary>The style as the model file's metadata holds it: <c>{"ink":"light","centering":"mass","box":"20"}</c>.</summary>
    public string ToMetadata() => new JsonObject
    {
        ["ink"] = LightInk ? "light" : "dark",
        ["centering"] = Centering == ImageCentering.CenterOfMass ? "mass" : "box",
        ["box"] = BoxSize.ToString(CultureInfo.InvariantCulture),
    }.ToJsonString();

    /// <summary>Reads <see cref="ToMetadata"/>'s text strictly: exactly its three keys, known values, a box of 1 to
    /// <paramref name="maxBox"/> pixels (the smaller side of the model's input).</summary>
    /// <exception cref="FormatException">Anything else; the message says what.</exception>
    public static ImageStyle Parse(string text, int maxBox)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonObject node = Serialization.MetadataJson.ParseObject(text, "image_style");

        if (node.Count != 3 || node.Any(p => p.Key is not ("ink" or "centering" or "box")))
        {
            throw new FormatException("image_style must have exactly the keys ink, centering and box.");
        }

        string Value(string key) => node[key] is JsonValue value && value.TryGetValue(out string? s) ? s
            : throw new FormatException($"image_style.{key} is not a string.");
        bool light = Value("ink") switch
        {
            "light" => true,
            "dark" => false,
            _ => throw new FormatException("image_style.ink is not light or dark."),
        };
        ImageCentering centering = Value("centering") switch
        {
            "mass" => ImageCentering.CenterOfMass,
            "box" => ImageCentering.BoundingBox,
            _ => throw new FormatException("image_style.centering is not mass or box."),
        };
        string box = Value("box");
        if (!int.TryParse(box, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1 || size > maxBox)
        {
            throw new FormatException($"image_style.box must be a whole number from 1 to {maxBox} (the input's smaller side).");
        }

        return new ImageStyle(light, centering, size);
    }

    /// <summary>A short description for people: "light ink on dark, 20-pixel box, centred by mass".</summary>
    public string Describe() => FormattableString.Invariant(
        $"{(LightInk ? "light ink on dark" : "dark ink on light")}, {BoxSize}-pixel box, centred by {(Centering == ImageCentering.CenterOfMass ? "mass" : "bounding box")}");

    /// <summary>The median of the outermost ring of pixels: the background, for an image whose ink stays inside.</summary>
    internal static float BorderMedian(ReadOnlySpan<float> image, int height, int width)
    {
        var border = new List<float>(2 * (height + width));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (y == 0 || y == height - 1 || x == 0 || x == width - 1)
                {
                    border.Add(image[y * width + x]);
                }
            }
        }

        border.Sort();
        return border[border.Count / 2];
    }

    /// <summary>The box [x0, x1) × [y0, y1) of the pixels at least <see cref="InkThreshold"/> of the brightest ink
    /// (an empty box at 0 when there is none).</summary>
    internal static (int X0, int Y0, int X1, int Y1) InkBox(ReadOnlySpan<float> ink, int height, int width)
    {
        float limit = InkThreshold * System.Numerics.Tensors.TensorPrimitives.Max(ink);
        int x0 = width, y0 = height, x1 = 0, y1 = 0;
        if (!(limit > 0))
        {
            return (0, 0, 0, 0);
        }

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (ink[y * width + x] >= limit)
                {
                    (x0, x1, y0, y1) = (Math.Min(x0, x), Math.Max(x1, x + 1), Math.Min(y0, y), Math.Max(y1, y + 1));
                }
            }
        }

        return (x0, y0, x1, y1);
    }

    /// <summary>The ink-weighted mean of the pixel centres (x + ½, y + ½), and the total ink.</summary>
    internal static (double X, double Y, double Mass) CenterOfMass(ReadOnlySpan<float> ink, int height, int width)
    {
        double sx = 0, sy = 0, mass = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double v = ink[y * width + x];
                sx += v * (x + 0.5);
                sy += v * (y + 0.5);
                mass += v;
            }
        }

        return mass > 0 ? (sx / mass, sy / mass, mass) : (width / 2.0, height / 2.0, 0);
    }

    private static double Distance(double x, double y, double cx, double cy) => Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
}
