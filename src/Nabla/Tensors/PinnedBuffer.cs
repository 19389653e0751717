namespace Nabla.Tensors;

/// <summary>
/// A float array on the pinned object heap that only grows: kernels keep its address for as long as it lives (no
/// <c>fixed</c> per step), and a layer's per-batch scratch is allocated once, for the largest batch seen.
/// </summary>
internal sealed unsafe class PinnedBuffer
{
    private float[] _array = [];

    /// <summary>The first value (null while empty). Valid until the next <see cref="Ensure"/> that grows it.</summary>
    public float* Pointer { get; private set; }

    /// <summary>The values held.</summary>
    public int Length => _array.Length;

    /// <summary>All values.</summary>
    public Span<float> Span => _array;

    /// <summary>Makes room for at least <paramref name="length"/> values (the contents are lost when it grows).</summary>
    public float* Ensure(int length)
    {
        if (_array.Length < length)
        {
            _array = GC.AllocateUninitializedArray<float>(length, pinned: true);
            fixed (float* p = _array)
            {
                Pointer = p;
            }
        }

        return Pointer;
    }

    /// <summary>The first <paramref name="length"/> values.</summary>
    public Span<float> Slice(int length) => _array.AsSpan(0, length);
}
