using System.Buffers.Binary;
using System.Diagnostics;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tensors;
using StbImageSharp;

namespace Nabla.Cli;

/// <summary>
/// Reads PNG, JPEG and BMP images for <c>nabla predict</c> without trusting them: the file's structure is checked
/// and its declared size capped before the decoder (StbImageSharp) sees it, and the decoder runs under a time limit.
/// </summary>
/// <remarks>
/// <para>Before decoding: a PNG's chunks must be complete with correct CRCs from IHDR to IEND; a JPEG's segments must
/// be complete, with a frame, a scan and the end-of-image marker (a truncated JPEG otherwise decodes as a grey
/// partial image); an uncompressed BMP must hold all the rows its header declares. At most <see cref="MaxPixels"/>
/// pixels are decoded (an 875 KB PNG may declare 30000×30000).</para>
/// <para>While decoding: the decoder reads through a stream that never seeks past the end (StbImageSharp's end test
/// compares positions for equality, so a segment length past the end made it loop forever) and stops it if it keeps
/// reading past the end or runs past <see cref="DecodeTimeLimit"/>; the decode runs on its own thread, and a
/// decode that still does not return in time is abandoned.</para>
/// <para>Every failure is a <see cref="DataFormatException"/> whose one line names the file.</para>
/// </remarks>
internal static class ImageInput
{
    /// <summary>The largest image decoded, in pixels.</summary>
    public const long MaxPixels = 50_000_000;

    /// <summary>The largest image file read, in bytes.</summary>
    public const long MaxFileLength = 256L << 20;

    /// <summary>How long a decode may take.</summary>
    public static readonly TimeSpan DecodeTimeLimit = TimeSpan.FromSeconds(5);

    private static readonly uint[] s_crcTable = MakeCrcTable();

    /// <summary>The picture in <paramref name="path"/>: luminance and alpha, 8 bits each, row by row.</summary>
    /// <exception cref="DataFormatException">Not a readable PNG, JPEG or BMP image; the message names the file.</exception>
    public static Picture Read(string path) => Decode(ReadFile(path), path);

    /// <summary>A picture from the bytes of a PNG, JPEG or BMP file (an upload to <c>nabla serve</c>), checked as a file
    /// is; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">Not a readable PNG, JPEG or BMP image, or larger than the limits.</exception>
    public static Picture Decode(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > MaxFileLength)
        {
            throw new DataFormatException($"{name}: {bytes.Length} bytes, more than the {MaxFileLength >> 20} MB an image file may have.");
        }

        var (format, width, height) = Inspect(bytes, name);
        if ((long)width * height > MaxPixels)
        {
            throw new DataFormatException($"{name}: the {format} image is {width}×{height} pixels, more than the {MaxPixels / 1_000_000} megapixels Nabla decodes.");
        }

        // Grey by luminance (StbImageSharp's (77 R + 150 G + 29 B) / 256, ITU-R BT.601) and the alpha channel.
        ImageResult image = RunDecoder(bytes, format, name);
        if (image.Width != width || image.Height != height || image.Data is null || image.Data.Length != 2L * width * height)
        {
            throw new DataFormatException($"{name}: could not decode the {format} image (the decoder's result does not match its {width}×{height} header).");
        }

        var gray = new byte[width * height];
        var alpha = new byte[width * height];
        for (int i = 0; i < gray.Length; i++)
        {
            gray[i] = image.Data[2 * i];
            alpha[i] = image.Data[2 * i + 1];
        }

        return new Picture(gray, alpha.AsSpan().ContainsAnyExcept((byte)255) ? alpha : [], width, height);
    }

    /// <summary>The raw values (0..255) an image model receives for <paramref name="picture"/>: MNIST's preprocessing
    /// (<see cref="ImagePreprocessor"/>) in the style of the model's training images, at the model's image size.</summary>
    /// <exception cref="UsageException">The model does not take one-channel images.</exception>
    public static float[] ForModel(Picture picture, Shape inputShape, ModelMetadata metadata, string name)
    {
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(metadata);
        var (height, width) = ImageStyle.ImageSize(inputShape)
            ?? throw new UsageException($"{name}: the model takes samples of shape [{string.Join(", ", inputShape.ToArray())}], not one-channel images.");
        return ImagePreprocessor.Prepare(picture.Gray, picture.Alpha, picture.Width, picture.Height, metadata.ImageStyle ?? ImageStyle.Mnist, height, width);
    }

    /// <summary>One image file as the model's input: <see cref="ForModel"/>, scaled as the model's inputs are, as a
    /// batch of one [1, input shape...].</summary>
    /// <exception cref="UsageException">The model does not take one-channel images.</exception>
    /// <exception cref="DataFormatException">The image cannot be read.</exception>
    public static Tensor ReadForModel(string path, Shape inputShape, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(metadata);
        float[] values = ForModel(Read(path), inputShape, metadata, path);
        metadata.ScaleInputs(values);
        return new Tensor(values, inputShape.WithBatchDimension(1));
    }

    private static byte[] ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found.");
        }

        if (!IO.AtomicFile.IsRegularFile(path))
        {
            throw new DataFormatException($"{path}: not a regular file (a device, FIFO or socket), so not an image.");
        }

        try
        {
            long length = new FileInfo(path).Length;
            if (length > MaxFileLength)
            {
                throw new DataFormatException($"{path}: {length} bytes, more than the {MaxFileLength >> 20} MB an image file may have.");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the file ({ex.Message}).", ex);
        }
    }

    /// <summary>The format and size the file declares, after checking its structure (see the remarks).</summary>
    private static (string Format, int Width, int Height) Inspect(byte[] bytes, string path)
    {
        ReadOnlySpan<byte> b = bytes;
        if (b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]))
        {
            return InspectPng(b, path);
        }

        if (b.StartsWith((ReadOnlySpan<byte>)[0xff, 0xd8]))
        {
            return InspectJpeg(b, path);
        }

        if (b.StartsWith("BM"u8))
        {
            return InspectBmp(b, path);
        }

        throw new DataFormatException($"{path}: not a PNG, JPEG or BMP image (the first bytes are none of theirs).");
    }

    private static (string, int, int) InspectPng(ReadOnlySpan<byte> b, string path)
    {
        int pos = 8, width = 0, height = 0;
        bool data = false;
        for (int chunk = 0; ; chunk++)
        {
            if (b.Length - pos < 12)
            {
                throw new DataFormatException($"{path}: the PNG image is truncated (it ends before its IEND chunk).");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(b[pos..]);
            ReadOnlySpan<byte> type = b.Slice(pos + 4, 4);
            if (length > int.MaxValue || type.IndexOfAnyExceptInRange((byte)'A', (byte)'z') >= 0 || type.IndexOfAnyInRange((byte)'[', (byte)'`') >= 0)
            {
                throw new DataFormatException($"{path}: the PNG image is corrupt (chunk {chunk + 1} at byte {pos} has no valid length and type).");
            }

            string name = System.Text.Encoding.ASCII.GetString(type);
            if (b.Length - pos - 12 < length)
            {
                throw new DataFormatException($"{path}: the PNG image is truncated (its {name} chunk at byte {pos} is incomplete).");
            }

            ReadOnlySpan<byte> body = b.Slice(pos + 8, (int)length);
            if (Crc32(b.Slice(pos + 4, (int)length + 4)) != BinaryPrimitives.ReadUInt32BigEndian(b[(pos + 8 + (int)length)..]))
            {
                throw new DataFormatException($"{path}: the PNG image is corrupt (CRC mismatch in its {name} chunk at byte {pos}).");
            }

            if (chunk == 0)
            {
                if (name != "IHDR" || length != 13)
                {
                    throw new DataFormatException($"{path}: the PNG image is corrupt (it does not start with an IHDR chunk).");
                }

                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                if (width <= 0 || height <= 0)
                {
                    throw new DataFormatException($"{path}: the PNG image declares an impossible size {(uint)width}×{(uint)height}.");
                }
            }

            data |= name == "IDAT";
            pos += 12 + (int)length;
            if (name == "IEND")
            {
                return data ? ("PNG", width, height) : throw new DataFormatException($"{path}: the PNG image is corrupt (it has no image data).");
            }
        }
    }

    private static (string, int, int) InspectJpeg(ReadOnlySpan<byte> b, string path)
    {
        int pos = 2, width = 0, height = 0;
        bool frame = false, scan = false;
        string truncated = $"{path}: the JPEG image is truncated (it ends before its end-of-image marker).";
        while (true)
        {
            if (pos >= b.Length)
            {
                throw new DataFormatException(truncated);
            }

            if (b[pos] != 0xff)
            {
                throw new DataFormatException($"{path}: the JPEG image is corrupt (no marker at byte {pos}).");
            }

            while (pos < b.Length && b[pos] == 0xff)
            {
                pos++;
            }

            if (pos >= b.Length)
            {
                throw new DataFormatException(truncated);
            }

            byte marker = b[pos++];
            if (marker == 0xd9)
            {
                return frame && scan ? ("JPEG", width, height) : throw new DataFormatException($"{path}: the JPEG image is corrupt (it has no frame or no image data).");
            }

            if (marker == 0x01 || marker is >= 0xd0 and <= 0xd7)
            {
                continue;
            }

            if (marker is 0x00 or 0xd8)
            {
                throw new DataFormatException($"{path}: the JPEG image is corrupt (marker 0x{marker:x2} at byte {pos - 1}).");
            }

            if (b.Length - pos < 2 || b.Length - pos < BinaryPrimitives.ReadUInt16BigEndian(b[pos..]))
            {
                throw new DataFormatException(truncated);
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(b[pos..]);
            if (length < 2)
            {
                throw new DataFormatException($"{path}: the JPEG image is corrupt (segment 0x{marker:x2} at byte {pos - 2} has length {length}).");
            }

            if (marker is >= 0xc0 and <= 0xcf and not 0xc4 and not 0xc8 and not 0xcc)
            {
                if (marker is not (0xc0 or 0xc1 or 0xc2))
                {
                    throw new DataFormatException($"{path}: this kind of JPEG (frame marker 0x{marker:x2}: lossless or arithmetic-coded) is not supported; save it as a baseline or progressive JPEG or a PNG.");
                }

                if (frame || length < 8 || length != 8 + 3 * b[pos + 7])
                {
                    throw new DataFormatException($"{path}: the JPEG image is corrupt (a malformed or second frame header at byte {pos - 2}).");
                }

                (frame, height, width) = (true, BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 3)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 5)..]));
                if (width == 0 || height == 0)
                {
                    throw new DataFormatException($"{path}: the JPEG image declares a size of {width}×{height} pixels, which is not supported.");
                }
            }

            pos += length;
            if (marker == 0xda)
            {
                if (!frame)
                {
                    throw new DataFormatException($"{path}: the JPEG image is corrupt (image data before the frame header).");
                }

                // Entropy-coded data runs to the next marker that is not a stuffed 0xff00 or a restart marker.
                while (true)
                {
                    int next = b[pos..].IndexOf((byte)0xff);
                    if (next < 0 || pos + next + 1 >= b.Length)
                    {
                        throw new DataFormatException(truncated);
                    }

                    pos += next;
                    byte after = b[pos + 1];
                    if (after == 0x00 || after is >= 0xd0 and <= 0xd7)
                    {
                        pos += 2;
                    }
                    else if (after == 0xff)
                    {
                        pos++;
                    }
                    else
                    {
                        break;
                    }
                }

                scan = true;
            }
        }
    }

    private static (string, int, int) InspectBmp(ReadOnlySpan<byte> b, string path)
    {
        if (b.Length < 26)
        {
            throw new DataFormatException($"{path}: the BMP image is truncated ({b.Length} bytes).");
        }

        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(b[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[14..]);
        long width, height;
        int bits;
        uint compression = 0;
        if (headerSize == 12)
        {
            (width, height, bits) = (BinaryPrimitives.ReadInt16LittleEndian(b[18..]), BinaryPrimitives.ReadInt16LittleEndian(b[20..]), BinaryPrimitives.ReadUInt16LittleEndian(b[24..]));
        }
        else if (headerSize is 40 or 52 or 56 or 108 or 124 && b.Length >= 14 + 40)
        {
            (width, height, bits) = (BinaryPrimitives.ReadInt32LittleEndian(b[18..]), BinaryPrimitives.ReadInt32LittleEndian(b[22..]), BinaryPrimitives.ReadUInt16LittleEndian(b[28..]));
            compression = BinaryPrimitives.ReadUInt32LittleEndian(b[30..]);
        }
        else
        {
            throw new DataFormatException($"{path}: the BMP image has a header of {headerSize} bytes, which is not supported (or it is truncated).");
        }

        height = Math.Abs(height);
        if (width <= 0 || height == 0 || bits is not (1 or 4 or 8 or 16 or 24 or 32))
        {
            throw new DataFormatException($"{path}: the BMP image declares {width}×{height} pixels of {bits} bits, which is not a supported image.");
        }

        if (compression is not (0 or 3 or 6))
        {
            throw new DataFormatException($"{path}: compressed BMP images (compression {compression}) are not supported; save it uncompressed or as a PNG.");
        }

        long rowBytes = (width * bits + 31) / 32 * 4;
        if (offset < 14 + headerSize || offset + rowBytes * height > b.Length)
        {
            throw new DataFormatException($"{path}: the BMP image is truncated (its {width}×{height} pixels need {offset + rowBytes * height} bytes, the file has {b.Length}).");
        }

        return ("BMP", (int)width, (int)height);
    }

    /// <summary>Runs the decoder on its own thread through a <see cref="GuardedStream"/>; a decode still running
    /// after <see cref="DecodeTimeLimit"/> is abandoned (the thread is a background one, so it cannot hold the process).</summary>
    private static ImageResult RunDecoder(byte[] bytes, string format, string path)
    {
        ImageResult? result = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var stream = new GuardedStream(bytes, DecodeTimeLimit);
                result = ImageResult.FromStream(stream, ColorComponents.GreyAlpha);
            }
#pragma warning disable CA1031 // Any failure of the decoder on a damaged file is reported as the file's problem, on the caller's thread.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }
        }, 16 << 20)
        { IsBackground = true, Name = "image decoder" };
        thread.Start();
        if (!thread.Join(DecodeTimeLimit + TimeSpan.FromSeconds(1)))
        {
            throw new DataFormatException($"{path}: could not decode the {format} image within {DecodeTimeLimit.TotalSeconds:0} s (the file is damaged).");
        }

        if (error is not null || result is null)
        {
            string reason = error is null ? "no image" : error.Message.Split('\n')[0].TrimEnd();
            throw new DataFormatException($"{path}: could not decode the {format} image ({reason}).", error ?? new InvalidDataException(reason));
        }

        return result;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xffffffff;
        foreach (byte x in bytes)
        {
            crc = s_crcTable[(crc ^ x) & 0xff] ^ (crc >> 8);
        }

        return crc ^ 0xffffffff;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xedb88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>A read-only stream over the file's bytes for the decoder: seeking clamps to the end, and reading past
    /// the end (a decoder lost in damaged data) or past the time limit stops the decode with an exception.</summary>
    private sealed class GuardedStream(byte[] bytes, TimeSpan limit) : Stream
    {
        private const int PastEndLimit = 4096;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _position;
        private int _pastEnd;
        private int _reads;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, bytes.Length);
        }

        public override int ReadByte()
        {
            Check(1);
            return _position < bytes.Length ? bytes[_position++] : -1;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Check(buffer.Length);
            int n = (int)Math.Min(buffer.Length, bytes.Length - _position);
            bytes.AsSpan((int)_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => bytes.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private void Check(int wanted)
        {
            if (_position >= bytes.Length && wanted > 0 && ++_pastEnd > PastEndLimit)
            {
                throw new InvalidDataException("the decoder kept reading past the end of the file");
            }

            if ((++_reads & 0xfff) == 0 && _clock.Elapsed > limit)
            {
                throw new InvalidDataException("the decoder ran out of time");
            }
        }
    }
}
