namespace Nabla.Tensors;

/// <summary>
/// A batch of a compact (byte) dataset, not expanded: row r is <c>Data[Order[Start + r]·Width ..]</c>, each value
/// times <see cref="Scale"/>. A first <see cref="Layers.Dense"/> layer with few outputs reads it directly (see
/// <see cref="ByteRowProducts"/>), which saves writing and re-reading four bytes per pixel.
/// One instance is reused from chunk to chunk; a layer may keep it until its backward pass.
/// </summary>
internal sealed class ByteRows
{
    /// <summary>The dataset's bytes, [count, Width].</summary>
    public byte[] Data { get; private set; } = [];

    /// <summary>Sample indices; the batch is Order[Start .. Start + Rows).</summary>
    public int[] Order { get; private set; } = [];

    /// <summary>Where the batch starts in <see cref="Order"/>.</summary>
    public int Start { get; private set; }

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Values per row.</summary>
    public int Width { get; private set; }

    /// <summary>What each byte is multiplied by.</summary>
    public float Scale { get; private set; }

    /// <summary>Points this instance at a new batch.</summary>
    public void Set(byte[] data, int width, float scale, int[] order, int start, int rows)
    {
        if (start < 0 || rows < 0 || start + rows > order.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"Rows {start}..{start + rows} are outside the {order.Length} indices.");
        }

        (Data, Width, Scale, Order, Start, Rows) = (data, width, scale, order, start, rows);
    }
}
