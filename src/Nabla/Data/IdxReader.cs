using System.Buffers.Binary;
using System.IO.Compression;

namespace Nabla.Data;

/// <summary>
/// Reads IDX files (the MNIST format): a 4-byte magic (0, 0, type, rank), <c>rank</c> big-endian 32-bit sizes,
/// then the values. Gzip-compressed or raw files are both accepted (detected from the first bytes).
/// Only unsigned-byte data (type 0x08) is supported, which is what MNIST and Fashion-MNIST use.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>An IDX file's content: its dimensions and its bytes.</summary>
    public sealed record IdxData(int[] Dimensions, byte[] Values);

    /// <summary>Reads an IDX file and checks that it has <paramref name="expectedRank"/> dimensions.</summary>
    /// <remarks>Nothing is allocated from the sizes the header declares before they are checked against what the
    /// file can hold: a raw file's length must match them exactly, and a gzip file's values are read into a buffer
    /// that grows as data arrives (sized at once only when the compressed length can hold it). Either way the pixels
    /// end in one array of the declared size, so loading 60,000 images holds them once, not three times.</remarks>
    /// <exception cref="DataFormatException">The file is missing, truncated, or not an unsigned-byte IDX file of that rank.</exception>
    public static IdxData Read(string path, int expectedRank)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException($"{path}: is a folder, not an IDX file.");
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found.");
        }

        if (!IO.AtomicFile.IsRegularFile(path))
        {
            throw new DataFormatException($"{path}: not a regular file (a device, FIFO or socket), so not an IDX file.");
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(file, path, expectedRank);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the file ({ex.Message}).", ex);
        }
    }

    /// <summary>Reads IDX data, raw or gzipped, from a seekable <paramref name="file"/> (from its current position to
    /// its end: an embedded resource, a memory stream), with the checks of <see cref="Read(string, int)"/>;
    /// <paramref name="path"/> names it in errors. The stream is left open.</summary>
    /// <exception cref="DataFormatException">The data is truncated, corrupt, or not an unsigned-byte IDX file of that rank.</exception>
    public static IdxData Read(Stream file, string path, int expectedRank)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        if (!file.CanSeek)
        {
            throw new ArgumentException("IDX data is read from a seekable stream (its length is checked against the header).", nameof(file));
        }

        try
        {
            long origin = file.Position;
            Span<byte> first = stackalloc byte[2];
            int got = file.ReadAtLeast(first, 2, throwOnEndOfStream: false);
            file.Position = origin;
            long length = file.Length - origin;
            bool gzip = got == 2 && first[0] == 0x1f && first[1] == 0x8b;
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : new NonClosingStream(file);

            // magic (4 bytes) + up to 255 dimensions of 4 bytes: read the fixed part, then the sizes.
            byte[] header = new byte[4 + 4 * 255];
            int headerRead = stream.ReadAtLeast(header.AsSpan(0, 4), 4, throwOnEndOfStream: false);
            if (gzip && headerRead < 4)
            {
                throw new DataFormatException($"{path}: the gzip data is empty or truncated ({headerRead} bytes after decompression).");
            }

            int rank = headerRead == 4 ? header[3] : 0;
            if (headerRead == 4 && header[0] == 0 && header[1] == 0)
            {
                headerRead += stream.ReadAtLeast(header.AsSpan(4, 4 * rank), 4 * rank, throwOnEndOfStream: false);
            }

            IdxData shape = Parse(header.AsSpan(0, headerRead), expectedRank, path, headerOnly: true);
            long count = shape.Dimensions.Aggregate(1L, (a, d) => a * d);
            string declared = $"the header declares [{string.Join(", ", shape.Dimensions)}] = {count} values";
            if (!gzip && length - headerRead != count)
            {
                string problem = length - headerRead < count ? "truncated" : "longer than its header says";
                throw new DataFormatException($"{path}: {problem}: {declared} but the file holds {length - headerRead}.");
            }

            // Deflate expands at most about 1032 times: a larger declared size cannot be in the file, so it is not
            // allocated up front (the data would run out first).
            long initial = gzip ? Math.Min(count, Math.Max(1 << 20, length * 1032)) : count;
            byte[] values = new byte[initial];
            long read = stream.ReadAtLeast(values, values.Length, throwOnEndOfStream: false);
            while (read == values.Length && read < count)
            {
                Array.Resize(ref values, (int)Math.Min(count, values.Length * 2L));
                read += stream.ReadAtLeast(values.AsSpan((int)read), values.Length - (int)read, throwOnEndOfStream: false);
            }

            if (read < count)
            {
                throw new DataFormatException($"{path}: truncated: {declared} but the file holds {read}.");
            }

            if (stream.ReadByte() != -1)
            {
                throw new DataFormatException($"{path}: longer than its header says: {declared}.");
            }

            return new IdxData(shape.Dimensions, values);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException($"{path}: the gzip data is corrupt or truncated ({ex.Message}).", ex);
        }
    }

    /// <summary>A view of a stream that leaves it open when disposed (the caller owns it).</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Parses IDX bytes (already decompressed). <paramref name="source"/> names them in errors.</summary>
    public static IdxData Parse(ReadOnlySpan<byte> bytes, int expectedRank, string source) => Parse(bytes, expectedRank, source, headerOnly: false);

    private static IdxData Parse(ReadOnlySpan<byte> bytes, int expectedRank, string source, bool headerOnly)
    {
        if (bytes.Length < 4)
        {
            throw new DataFormatException($"{source}: too short to be an IDX file ({bytes.Length} bytes); it is empty or truncated.");
        }

        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new DataFormatException($"{source}: not an IDX file (the magic number should start with two zero bytes, found 0x{bytes[0]:x2} 0x{bytes[1]:x2}).");
        }

        if (bytes[2] != UnsignedByteType)
        {
            throw new DataFormatException($"{source}: IDX data type 0x{bytes[2]:x2} is not supported (only unsigned bytes, 0x08).");
        }

        int rank = bytes[3];
        if (rank != expectedRank)
        {
            string what = expectedRank == 1 ? "labels (1 dimension)" : $"images ({expectedRank} dimensions)";
            throw new DataFormatException($"{source}: expected {what} but the file has {rank} dimensions.");
        }

        int headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
        {
            throw new DataFormatException($"{source}: truncated header ({bytes.Length} bytes, {headerLength} needed).");
        }

        var dimensions = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (size > int.MaxValue)
            {
                throw new DataFormatException($"{source}: dimension {i} has an impossible size {size}.");
            }

            dimensions[i] = (int)size;
            count = Math.Min(count * size, (long)Array.MaxLength + 1);
        }

        if (count > Array.MaxLength)
        {
            throw new DataFormatException($"{source}: the header declares [{string.Join(", ", dimensions)}], more values than one array can hold ({Array.MaxLength}).");
        }

        if (headerOnly)
        {
            return new IdxData(dimensions, []);
        }

        long available = bytes.Length - headerLength;
        if (available != count)
        {
            string problem = available < count ? "truncated" : "longer than its header says";
            throw new DataFormatException($"{source}: {problem}: the header declares [{string.Join(", ", dimensions)}] = {count} values but the file holds {available}.");
        }

        return new IdxData(dimensions, bytes[headerLength..].ToArray());
    }
}
