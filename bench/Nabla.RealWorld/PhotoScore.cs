using System.Globalization;
using Nabla.Cli;
using Nabla.Models;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.RealWorld;

/// <summary>How a model does on generated pictures, read and preprocessed exactly as <c>nabla predict</c> does.</summary>
public static class PhotoScore
{
    /// <summary>The share of the MNIST test digits the pictures were made from that the model gets right as they are
    /// (28×28, from the test set): the ceiling for the pictures.</summary>
    public static double CleanAccuracy(string modelPath, Nabla.Data.Dataset test, IReadOnlyList<DigitPhoto> photos)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(photos);
        Sequential model = ModelFile.Load(modelPath).Model;
        Nabla.Data.Dataset originals = test.Subset(photos.Select(p => p.TestIndex).ToArray());
        int[] predicted = model.PredictClasses(originals.Features);
        return (double)predicted.Zip(originals.RequireLabels()).Count(p => p.First == p.Second) / photos.Count;
    }

    /// <summary>The share of <paramref name="photos"/> the model at <paramref name="modelPath"/> gets right, overall
    /// and per look (the second word of each description: dark, pen, light, black), and the wrong ones.</summary>
    public static (double Accuracy, IReadOnlyDictionary<string, (int Right, int Total)> ByLook, IReadOnlyList<(DigitPhoto Photo, string Predicted)> Wrong) Score(string modelPath, IReadOnlyList<DigitPhoto> photos)
    {
        ArgumentNullException.ThrowIfNull(photos);
        var (model, metadata) = ModelFile.Load(modelPath);
        var byLook = new SortedDictionary<string, (int Right, int Total)>(StringComparer.Ordinal);
        var wrong = new List<(DigitPhoto, string)>();
        int right = 0;
        foreach (DigitPhoto photo in photos)
        {
            Tensor input = ImageInput.ReadForModel(photo.Path, model.InputShape, metadata);
            float[] p = model.Predict(input).Span.ToArray();
            int best = Array.IndexOf(p, p.Max());
            string predicted = metadata.ClassNames[best];
            bool ok = predicted == photo.Label.ToString(CultureInfo.InvariantCulture);
            right += ok ? 1 : 0;
            string look = photo.Description.Split(", ")[1].Split(' ')[0] + (photo.Path.EndsWith(".jpg", StringComparison.Ordinal) ? "/jpeg" : "/png");
            var (r, t) = byLook.GetValueOrDefault(look);
            byLook[look] = (r + (ok ? 1 : 0), t + 1);
            if (!ok)
            {
                wrong.Add((photo, predicted));
            }
        }

        return ((double)right / photos.Count, byLook, wrong);
    }
}
