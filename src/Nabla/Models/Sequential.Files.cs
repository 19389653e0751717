using Nabla.Serialization;

namespace Nabla.Models;

/// <summary>Keras's <c>save</c> and <c>load_model</c>: the model file keeps the layers, the weights and
/// <see cref="Sequential.Metadata"/> (class names, preprocessing, task), see <see cref="ModelFile"/>.</summary>
public sealed partial class Sequential
{
    /// <summary>Writes the model to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => ModelFile.Save(path, this, Metadata with { Loss = Loss?.Name ?? Metadata.Loss });

    /// <summary>Reads a model written by <see cref="Save"/> (or <c>nabla train</c>), ready to predict and evaluate.</summary>
    /// <exception cref="ModelFormatException">The file is missing, corrupt or not a Nabla model.</exception>
    public static Sequential Load(string path) => ModelFile.Load(path).Model;
}
