using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nabla.Fuzz;

/// <summary>
/// Seeded mutations of valid files: generic byte edits (bit flips, byte sets, truncation, insertion, duplication and
/// deletion of ranges) and edits aimed at each format's header (JSON values in a model header, with the checksums
/// recomputed so the edit reaches the parser behind them; IDX dimension words; CSV quotes, delimiters and numbers;
/// image chunk fields with their CRCs fixed). Every choice comes from the <see cref="Random"/> passed in, so a case
/// is reproduced from its seed.
/// </summary>
public static class Mutator
{
    private static readonly byte[] s_interestingBytes = [0, 1, 0x7f, 0x80, 0xff, (byte)'0', (byte)'9', (byte)'-', (byte)'.', (byte)'"', (byte)',', (byte)'\n', (byte)'{', (byte)']', (byte)'e'];

    private static readonly uint[] s_interestingWords = [0, 1, 2, 3, 4, 7, 8, 255, 256, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 2_000_000_000, 60000, 28, 784, 46341, 65536];

    private static readonly string[] s_interestingNumbers = ["0", "-1", "1", "2", "-0", "1.5", "1e308", "-1e308", "1e39", "3.4e38", "NaN", "Infinity", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "18446744073709551616", "4294967295", "1e-45", "0.9999999", "00", "0x10", "1_000", "99999999999999999999999"];

    /// <summary>Applies one to four generic byte mutations.</summary>
    public static byte[] Generic(Random random, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bytes = new List<byte>(input);
        int count = 1 + random.Next(random.Next(4) == 0 ? 4 : 1);
        for (int i = 0; i < count; i++)
        {
            MutateBytes(random, bytes, 0, bytes.Count);
        }

        return [.. bytes];
    }

    /// <summary>One generic mutation inside [start, end) of <paramref name="bytes"/>.</summary>
    public static void MutateBytes(Random random, List<byte> bytes, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(bytes);
        int length = end - start;
        int at = start + (length > 0 ? random.Next(length) : 0);
        switch (random.Next(8))
        {
            case 0 when length > 0:
            case 1 when length > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 2 when length > 0:
                bytes[at] = random.Next(2) == 0 ? s_interestingBytes[random.Next(s_interestingBytes.Length)] : (byte)random.Next(256);
                break;
            case 3:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 4:
                byte[] insert = new byte[1 + random.Next(random.Next(8) == 0 ? 4096 : 16)];
                if (random.Next(2) == 0)
                {
                    random.NextBytes(insert);
                }
                else
                {
                    Array.Fill(insert, s_interestingBytes[random.Next(s_interestingBytes.Length)]);
                }

                bytes.InsertRange(at, insert);
                break;
            case 5 when length > 0:
                int from = start + random.Next(length), size = 1 + random.Next(Math.Min(length, 256));
                bytes.InsertRange(at, bytes.Skip(from).Take(size).ToArray());
                break;
            case 6 when length > 0:
                bytes.RemoveRange(at, Math.Min(1 + random.Next(16), bytes.Count - at));
                break;
            default:
                if (length >= 4)
                {
                    int word = start + random.Next(length - 3);
                    uint value = s_interestingWords[random.Next(s_interestingWords.Length)];
                    bool bigEndian = random.Next(2) == 0;
                    for (int k = 0; k < 4; k++)
                    {
                        bytes[word + k] = (byte)(bigEndian ? value >> (24 - 8 * k) : value >> (8 * k));
                    }
                }

                break;
        }
    }

    // ----- model files (safetensors layout) -----

    /// <summary>A model or checkpoint file mutation: a JSON edit of the header (resealed), a header text edit
    /// (resealed or not), a data edit (resealed or not), or a generic byte edit.</summary>
    public static byte[] ModelFile(Random random, byte[] file)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(file);
        var (header, data) = SplitModel(file);
        switch (random.Next(10))
        {
            case 0:
            case 1:
            case 2:
            case 3:
                string? edited = EditJson(random, header);
                return edited is null ? Generic(random, file) : JoinModel(Encoding.UTF8.GetBytes(edited), data, resealHeader: random.Next(8) != 0, resealData: false);
            case 4:
            case 5:
                var text = new List<byte>(Encoding.UTF8.GetBytes(header));
                MutateText(random, text);
                return JoinModel([.. text], data, resealHeader: random.Next(4) != 0, resealData: false);
            case 6:
                var weights = new List<byte>(data);
                MutateBytes(random, weights, 0, weights.Count);
                return JoinModel(Encoding.UTF8.GetBytes(header), [.. weights], resealHeader: true, resealData: random.Next(4) != 0);
            case 7:
                // Special floats in the weights, resealed: the loader must refuse a model that cannot predict.
                byte[] special = [.. data];
                if (special.Length >= 4)
                {
                    float value = random.Next(3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.MaxValue };
                    BinaryPrimitives.WriteSingleLittleEndian(special.AsSpan(random.Next(special.Length / 4) * 4), value);
                }

                return JoinModel(Encoding.UTF8.GetBytes(header), special, resealHeader: true, resealData: true);
            default:
                return Generic(random, file);
        }
    }

    /// <summary>The header text (padding removed) and the data section of a well-formed model file.</summary>
    public static (string Header, byte[] Data) SplitModel(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (Encoding.UTF8.GetString(file, 8, n).TrimEnd(' '), file[(8 + n)..]);
    }

    /// <summary>Builds a model file from header text and data: length prefix, padding, and (when asked) the data and
    /// header checksums recomputed as ModelFile.Save computes them — done on the bytes, so broken JSON is sealed too.</summary>
    public static byte[] JoinModel(byte[] header, byte[] data, bool resealHeader, bool resealData)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(data);
        int padded = (header.Length + 7) / 8 * 8;
        byte[] file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + padded);
        Span<byte> head = file.AsSpan(8, padded);
        if (resealData && FindValue(head, "data_sha256"u8) is int d and >= 0 && d + 64 <= head.Length)
        {
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(data))).CopyTo(head[d..]);
        }

        if (resealHeader && FindValue(head, "header_sha256"u8) is int h and >= 0 && h + 64 <= head.Length)
        {
            head.Slice(h, 64).Fill((byte)'0');
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(file.AsSpan(0, 8 + padded)))).CopyTo(head[h..]);
        }

        return file;
    }

    /// <summary>Rewrites a version 2 file as version 1 wrote it: no header checksum, format_version "1".</summary>
    public static byte[] ToVersion1(byte[] file)
    {
        var (header, data) = SplitModel(file);
        JsonObject root = JsonNode.Parse(header)!.AsObject();
        JsonObject meta = root["__metadata__"]!.AsObject();
        meta.Remove("header_sha256");
        meta["format_version"] = "1";
        return JoinModel(Encoding.UTF8.GetBytes(root.ToJsonString()), data, resealHeader: false, resealData: false);
    }

    private static int FindValue(ReadOnlySpan<byte> header, ReadOnlySpan<byte> key)
    {
        for (int at = 0; at < header.Length;)
        {
            int found = header[at..].IndexOf(key);
            if (found < 0)
            {
                return -1;
            }

            int end = at + found + key.Length;
            if (at + found > 0 && header[at + found - 1] == '"' && header[end..].StartsWith("\":\""u8))
            {
                return end + 3;
            }

            at = end;
        }

        return -1;
    }

    /// <summary>Changes one JSON value somewhere in the header, including inside the JSON held in metadata strings
    /// (architecture, class names, training state); null when the header is not JSON.</summary>
    private static string? EditJson(Random random, string header)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(header);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is null)
        {
            return null;
        }

        // Metadata strings that hold JSON are edited as JSON half of the time.
        if (root["__metadata__"] is JsonObject meta && random.Next(2) == 0)
        {
            string[] nested = meta.Where(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String && ((string)v!).StartsWith('[') || p.Value is JsonValue w && ((string?)w)?.StartsWith('{') == true)
                .Select(p => p.Key).ToArray();
            if (nested.Length > 0)
            {
                string key = nested[random.Next(nested.Length)];
                string? inner = EditJsonText(random, (string)meta[key]!);
                if (inner is not null)
                {
                    meta[key] = inner;
                    return root.ToJsonString();
                }
            }
        }

        EditNode(random, root);
        return root.ToJsonString();
    }

    private static string? EditJsonText(Random random, string json)
    {
        try
        {
            JsonNode? node = JsonNode.Parse(json);
            if (node is null)
            {
                return null;
            }

            EditNode(random, node);
            return node.ToJsonString();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void EditNode(Random random, JsonNode root)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        JsonNode target = nodes[random.Next(nodes.Count)];
        JsonNode? parent = target.Parent;
        if (parent is null)
        {
            return;
        }

        switch (random.Next(6))
        {
            case 0:
                Remove(parent, target);
                break;
            case 1 when parent is JsonObject o:
                // Rename a key (to another key of the file or to garbage).
                string name = target.GetPropertyName();
                string[] keys = [.. nodes.Where(n => n.Parent is JsonObject).Select(n => n.GetPropertyName()).Distinct()];
                string renamed = random.Next(2) == 0 ? keys[random.Next(keys.Length)] : name + (char)('a' + random.Next(26));
                if (!o.ContainsKey(renamed))
                {
                    o.Remove(name);
                    o[renamed] = target;
                }

                break;
            case 2 when parent is JsonArray a:
                a.Insert(a.IndexOf(target), target.DeepClone());
                break;
            default:
                Replace(parent, target, NewValue(random, target));
                break;
        }
    }

    private static JsonNode? NewValue(Random random, JsonNode old)
    {
        string? text = old is JsonValue v && v.GetValueKind() == JsonValueKind.String ? (string?)v : null;
        switch (random.Next(10))
        {
            case 0:
                return null;
            case 1:
                return new JsonObject();
            case 2:
                return new JsonArray();
            case 3:
                return JsonValue.Create(random.Next(2) == 0);
            case 4:
            case 5:
                // A number, or a string holding one (metadata and settings hold numbers as strings).
                string number = s_interestingNumbers[random.Next(s_interestingNumbers.Length)];
                return random.Next(2) == 0 || !double.TryParse(number, System.Globalization.CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d)
                    ? JsonValue.Create(number) : JsonNode.Parse(number.StartsWith("00", StringComparison.Ordinal) ? "0" : number.Replace("_", "", StringComparison.Ordinal));
            case 6 when text is not null:
                // A digit or letter of a string changed (a class name '3' → '1', a setting '0.2' → '0.7').
                var chars = text.ToCharArray();
                if (chars.Length > 0)
                {
                    int at = random.Next(chars.Length);
                    chars[at] = char.IsDigit(chars[at]) ? (char)('0' + random.Next(10)) : (char)(chars[at] ^ (1 << random.Next(6)));
                }

                return JsonValue.Create(new string(chars));
            case 7:
                return JsonValue.Create(random.Next(3) switch { 0 => "", 1 => new string('9', 1 + random.Next(40)), _ => "dense" });
            case 8:
                return JsonValue.Create(random.Next(4) switch { 0 => 0, 1 => -1, 2 => int.MaxValue, _ => long.MaxValue });
            default:
                return old.GetValueKind() switch
                {
                    JsonValueKind.Array => new JsonArray(old.AsArray().Select(n => n?.DeepClone()).Concat(old.AsArray().Select(n => n?.DeepClone())).ToArray()),
                    _ => JsonValue.Create(random.NextDouble() * Math.Pow(10, random.Next(-5, 12))),
                };
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        if (node is JsonObject o)
        {
            foreach (var (_, child) in o)
            {
                if (child is not null)
                {
                    Collect(child, nodes);
                }
            }
        }
        else if (node is JsonArray a)
        {
            foreach (JsonNode? child in a)
            {
                if (child is not null)
                {
                    Collect(child, nodes);
                }
            }
        }
    }

    private static void Remove(JsonNode parent, JsonNode target)
    {
        if (parent is JsonObject o)
        {
            o.Remove(target.GetPropertyName());
        }
        else if (parent is JsonArray a)
        {
            a.Remove(target);
        }
    }

    private static void Replace(JsonNode parent, JsonNode target, JsonNode? value)
    {
        if (parent is JsonObject o)
        {
            o[target.GetPropertyName()] = value;
        }
        else if (parent is JsonArray a)
        {
            a[a.IndexOf(target)] = value;
        }
    }

    // ----- text (CSV, JSON text) -----

    private static readonly string[] s_csvTokens = ["\"", "\"\"", ",", ";", "\t", "|", "\n", "\r\n", "\n\n\n", " ", "NaN", "inf", "-Infinity", "1e39", "1e-50", "-0", "", "a", "\u00e9", "\0", "\uFEFF", "label", "x,x", "1,2,3,4,5,6,7,8,9"];

    /// <summary>A text edit: a token inserted or substituted, a digit changed, a line duplicated or removed, a long run
    /// inserted; or a generic byte edit.</summary>
    public static void MutateText(Random random, List<byte> text)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(text);
        int at = text.Count == 0 ? 0 : random.Next(text.Count);
        switch (random.Next(7))
        {
            case 0:
                text.InsertRange(at, Encoding.UTF8.GetBytes(s_csvTokens[random.Next(s_csvTokens.Length)]));
                break;
            case 1:
                int digit = text.FindIndex(at, b => b is >= (byte)'0' and <= (byte)'9');
                if (digit >= 0)
                {
                    text[digit] = (byte)('0' + random.Next(10));
                }

                break;
            case 2:
                int number = text.FindIndex(at, b => b is >= (byte)'0' and <= (byte)'9');
                if (number >= 0)
                {
                    int end = number;
                    while (end < text.Count && (char.IsAsciiDigit((char)text[end]) || text[end] is (byte)'.' or (byte)'e' or (byte)'-'))
                    {
                        end++;
                    }

                    text.RemoveRange(number, end - number);
                    text.InsertRange(number, Encoding.UTF8.GetBytes(s_interestingNumbers[random.Next(s_interestingNumbers.Length)]));
                }

                break;
            case 3 when text.Count > 0:
                int lineStart = text.LastIndexOf((byte)'\n', Math.Max(0, at - 1)) + 1;
                int lineEnd = text.IndexOf((byte)'\n', at);
                lineEnd = lineEnd < 0 ? text.Count : lineEnd + 1;
                byte[] line = text.Skip(lineStart).Take(lineEnd - lineStart).ToArray();
                if (random.Next(2) == 0)
                {
                    text.InsertRange(lineStart, Enumerable.Repeat(line, 1 + random.Next(random.Next(4) == 0 ? 1000 : 3)).SelectMany(l => l));
                }
                else
                {
                    text.RemoveRange(lineStart, lineEnd - lineStart);
                }

                break;
            case 4:
                text.InsertRange(at, Enumerable.Repeat((byte)"1,\"\n"[random.Next(4)], 1 + random.Next(random.Next(16) == 0 ? 200_000 : 300)));
                break;
            default:
                MutateBytes(random, text, 0, text.Count);
                break;
        }
    }

    // ----- IDX -----

    /// <summary>An IDX mutation: a dimension word or the type/rank bytes set, or a generic byte edit; applied to the
    /// decompressed content of a gzip file (then compressed again) or to its compressed bytes.</summary>
    public static byte[] Idx(Random random, byte[] file)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(file);
        bool gzip = file.Length > 2 && file[0] == 0x1f && file[1] == 0x8b;
        if (gzip && random.Next(4) == 0)
        {
            return Generic(random, file);
        }

        byte[] content = gzip ? Gunzip(file) : file;
        var bytes = new List<byte>(content);
        int rank = bytes.Count > 3 ? bytes[3] : 0;
        switch (random.Next(4))
        {
            case 0 when bytes.Count >= 4 + 4 * rank && rank > 0:
                int dimension = 4 + 4 * random.Next(rank);
                uint value = random.Next(3) == 0 ? (uint)random.Next() : s_interestingWords[random.Next(s_interestingWords.Length)];
                BinaryPrimitives.WriteUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)[dimension..], value);
                break;
            case 1 when bytes.Count >= 4:
                bytes[2 + random.Next(2)] = (byte)(random.Next(2) == 0 ? random.Next(256) : random.Next(5));
                break;
            default:
                byte[] mutated = Generic(random, [.. bytes]);
                bytes = [.. mutated];
                break;
        }

        return gzip ? Gzip([.. bytes]) : [.. bytes];
    }

    /// <summary>Gzip-compresses <paramref name="bytes"/>.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Fastest))
        {
            zip.Write(bytes);
        }

        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    // ----- images -----

    /// <summary>An image mutation: for PNG, a chunk's field or data edited with its CRC fixed (so the edit reaches the
    /// decoder); for JPEG, a segment field (sizes, lengths, component counts, table bytes) or scan data edited, or the
    /// file cut anywhere; else a generic byte edit.</summary>
    public static byte[] Image(Random random, byte[] file)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length > 8 && file[0] == 0x89 && random.Next(2) == 0)
        {
            return PngChunkEdit(random, file);
        }

        if (file.Length > 4 && file[0] == 0xff && random.Next(2) == 0)
        {
            var bytes = new List<byte>(file);
            var markers = new List<int>();
            for (int i = 2; i + 1 < file.Length; i++)
            {
                if (file[i] == 0xff && file[i + 1] is not 0 and not 0xff)
                {
                    markers.Add(i);
                }
            }

            int marker = markers.Count > 0 ? markers[random.Next(markers.Count)] : 2;
            int end = Math.Min(file.Length, marker + 2 + random.Next(24));
            for (int k = 0; k < 1 + random.Next(3); k++)
            {
                MutateBytes(random, bytes, Math.Min(marker + 2, bytes.Count), Math.Min(end, bytes.Count));
            }

            return [.. bytes];
        }

        return Generic(random, file);
    }

    private static byte[] PngChunkEdit(Random random, byte[] file)
    {
        var chunks = new List<(int Start, int Length)>();
        for (int pos = 8; pos + 12 <= file.Length;)
        {
            int length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos)), int.MaxValue - 12);
            if (pos + 12 + length > file.Length)
            {
                break;
            }

            chunks.Add((pos, length));
            pos += 12 + length;
        }

        if (chunks.Count == 0)
        {
            return Generic(random, file);
        }

        var (start, size) = chunks[random.Next(chunks.Count)];
        var body = new List<byte>(file.AsSpan(start + 8, size).ToArray());
        if (size == 13 && random.Next(2) == 0)
        {
            // IHDR: width, height (words), or depth, colour type, compression, filter, interlace (bytes).
            int field = random.Next(7);
            if (field < 2)
            {
                uint value = random.Next(2) == 0 ? s_interestingWords[random.Next(s_interestingWords.Length)] : (uint)random.Next(1, 40000);
                BinaryPrimitives.WriteUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(body)[(4 * field)..], value);
            }
            else
            {
                body[6 + field] = (byte)(random.Next(2) == 0 ? random.Next(256) : random.Next(17));
            }
        }
        else
        {
            MutateBytes(random, body, 0, body.Count);
        }

        byte[] type = file.AsSpan(start + 4, 4).ToArray();
        byte[] chunk = new byte[12 + body.Count];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)body.Count);
        type.CopyTo(chunk, 4);
        body.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Count), Crc32([.. type, .. body]));
        return [.. file.AsSpan(0, start), .. chunk, .. file.AsSpan(start + 12 + size)];
    }

    /// <summary>The PNG CRC-32.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xffffffff;
        foreach (byte x in bytes)
        {
            crc ^= x;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xedb88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xffffffff;
    }
}
