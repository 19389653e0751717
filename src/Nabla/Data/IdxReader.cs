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
    /// <exception cref="DataFormatException">The file is missing, truncated, or not an unsigned-byte IDX file of that rank.</exception>
    public static IdxData Read(string path, int expectedRank)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the file ({ex.Message}).", ex);
        }

        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var output = new MemoryStream();
                input.CopyTo(output);
                bytes = output.ToArray();
                if (bytes.Length < 4)
                {
                    throw new DataFormatException($"{path}: the gzip data is empty or truncated ({bytes.Length} bytes after decompression).");
                }
            }
            catch (InvalidDataException ex)
            {
                throw new DataFormatException($"{path}: the gzip data is corrupt or truncated ({ex.Message}).", ex);
            }
        }

        return Parse(bytes, expectedRank, path);
    }

    /// <summary>Parses IDX bytes (already decompressed). <paramref name="source"/> names them in errors.</summary>
    public static IdxData Parse(ReadOnlySpan<byte> bytes, int expectedRank, string source)
    {
        if (bytes.Length < 4)
        {
            throw new DataFormatException($"{source}: too short to be an IDX file ({bytes.Length} bytes).");
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
            count *= size;
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
