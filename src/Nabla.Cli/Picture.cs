namespace Nabla.Cli;

/// <summary>A decoded picture: luminance and opacity, one byte each per pixel, row by row.</summary>
/// <param name="Gray">Luminance 0..255, <paramref name="Width"/> × <paramref name="Height"/> values.</param>
/// <param name="Alpha">Opacity 0..255 per pixel, or empty when every pixel is opaque.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
internal sealed record Picture(byte[] Gray, byte[] Alpha, int Width, int Height);
