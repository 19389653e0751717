namespace Nabla.Data;

/// <summary>Where the ink of a training image sits in its frame, so that a new image can be placed the same way.</summary>
public enum ImageCentering
{
    /// <summary>The ink's centre of mass is at the centre of the frame (MNIST: "centered in a 28x28 image by computing
    /// the center of mass of the pixels").</summary>
    CenterOfMass,

    /// <summary>The centre of the ink's bounding box is at the centre of the frame (objects that fill it, such as
    /// Fashion-MNIST's).</summary>
    BoundingBox,
}
