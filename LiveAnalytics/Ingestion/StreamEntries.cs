using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using LiveAnalytics.Infrastructure;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// The shape of a stream entry. One entry carries many events (a group commit's beacons, a batch
/// request): field b holds their JSON one per line (or those lines compressed, see <see cref="Pack"/>),
/// vs the visitor and session the append script settled for each ("v1 s1 v2 s2 …", absent when the
/// JSON carries them), n the ingesting node, and p marks events already stored in Postgres. A single event in field e (with v and s) is read too:
/// entries written before events were packed, and tests.
/// </summary>
public static class StreamEntries
{
    public const string Single = "e";
    public const string Batch = "b";
    public const string Sessions = "vs";
    public const string Node = "n";
    public const string Stored = "p";

    /// <summary>
    /// At ~450 bytes of JSON an event, an entry stays below the 85 KB at which every reader's copy of
    /// it would go to the large object heap (and bring on full collections); and below the 1,024 event
    /// ids an entry has (<c>StreamId.EventsPerEntry</c>).
    /// </summary>
    public const int MaxEvents = 128;

    /// <summary>The fields of one entry that matter here, from whichever reply they came in.</summary>
    public readonly record struct Fields(RedisValue Single, RedisValue Batch, RedisValue Sessions,
        RedisValue Visitor, RedisValue Session, RedisValue Node, bool IsStored);

    public static Fields Of(StreamEntry entry)
    {
        var values = entry.Values;
        var pairs = new RedisValue[values.Length * 2];
        for (var i = 0; i < values.Length; i++) (pairs[2 * i], pairs[2 * i + 1]) = (values[i].Name, values[i].Value);
        return Of(pairs);
    }

    /// <param name="pairs">name, value, name, value… as a raw XREAD reply gives them.</param>
    public static Fields Of(ReadOnlySpan<RedisValue> pairs)
    {
        RedisValue single = default, batch = default, sessions = default, visitor = default, session = default, node = default;
        var stored = false;
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            switch ((string?)pairs[i])
            {
                case Single: single = pairs[i + 1]; break;
                case Batch: batch = pairs[i + 1]; break;
                case Sessions: sessions = pairs[i + 1]; break;
                case "v": visitor = pairs[i + 1]; break;
                case "s": session = pairs[i + 1]; break;
                case Node: node = pairs[i + 1]; break;
                case Stored: stored = true; break;
            }
        }
        return new Fields(single, batch, sessions, visitor, session, node, stored);
    }

    // A compressed field b: this byte (JSON lines begin with '{'), the number of events and the length of their
    // lines (32-bit little-endian each), then the lines compressed with Brotli.
    private const byte CompressedMark = 0x01;
    private const int CompressedHeader = 9;
    // Brotli's fastest quality: an entry of 18 beacons' JSON (~7 KB) to a sixth, in ~1 µs an event.
    private const int BrotliQuality = 1, BrotliWindow = 22;
    // Far above any entry's lines (128 events of at most a few KB each): a damaged length is not allocated.
    private const int MaxLinesLength = 16 * 1024 * 1024;

    /// <summary>
    /// The events' JSON, one per line (JSON escapes every newline inside strings), compressed or not, in a pooled
    /// buffer: dispose it once the append is confirmed (not after a timeout: the client may still be sending it).
    /// </summary>
    /// <param name="compress">
    /// Brotli, for Redis's memory: the stream holds the live window (30 minutes) of every event, and the lines of
    /// similar events compress 6 to 10 times in an entry of a busy site's group commit or batch. Every reader
    /// takes both forms; nodes older than this one read only the plain one.
    /// </param>
    public static PooledBufferWriter Pack(IReadOnlyList<TrackedEvent> events, bool compress = false)
    {
        var lines = PackLines(events);
        if (!compress) return lines;
        using (lines) return Compress(lines.WrittenSpan, events.Count);
    }

    private static PooledBufferWriter Compress(ReadOnlySpan<byte> lines, int count)
    {
        var size = CompressedHeader + BrotliEncoder.GetMaxCompressedLength(lines.Length);
        var output = new PooledBufferWriter(size);
        var span = output.GetSpan(size);
        span[0] = CompressedMark;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], count);
        BinaryPrimitives.WriteInt32LittleEndian(span[5..], lines.Length);
        if (!BrotliEncoder.TryCompress(lines, span[CompressedHeader..], out var written, BrotliQuality, BrotliWindow))
            throw new InvalidOperationException("Brotli could not compress a stream entry into its maximum compressed length.");
        output.Advance(CompressedHeader + written);
        return output;
    }

    private static PooledBufferWriter PackLines(IReadOnlyList<TrackedEvent> events)
    {
        var buffer = new PooledBufferWriter(events.Count * 512);
        using var writer = new Utf8JsonWriter(buffer);
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                writer.Flush();
                buffer.Write("\n"u8);
                writer.Reset(buffer);
            }
            JsonSerializer.Serialize(writer, events[i], TrackedEventJson.Default.TrackedEvent);
        }
        writer.Flush();
        return buffer;
    }

    public static byte[] Encode(TrackedEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, TrackedEventJson.Default.TrackedEvent);

    /// <summary>
    /// Reads an entry's events into <paramref name="into"/> with their place in the entry (an event's
    /// id depends on it). An unreadable event is left out and counted, so one bad event costs only itself.
    /// </summary>
    /// <returns>How many events were unreadable.</returns>
    /// <exception cref="InvalidDataException">The entry holds no events, or its sessions do not match them.</exception>
    public static int Unpack(in Fields entry, List<(int Index, TrackedEvent Event)> into)
    {
        if (!entry.Batch.IsNull) return UnpackBatch(entry, into);
        if (entry.Single.IsNull) throw new InvalidDataException($"The stream entry has neither a '{Batch}' nor an '{Single}' field.");
        into.Add((0, Decode(entry.Single, entry.Visitor, entry.Session)));
        return 0;
    }

    /// <summary>How many events an entry carries, without reading them.</summary>
    public static int Count(in Fields entry)
    {
        if (entry.Batch.IsNull) return entry.Single.IsNull ? 0 : 1;
        var blob = ((ReadOnlyMemory<byte>)entry.Batch).Span;
        if (blob is [CompressedMark, ..] && blob.Length >= CompressedHeader) return BinaryPrimitives.ReadInt32LittleEndian(blob[1..]);
        return blob.Count((byte)'\n') + 1;
    }

    /// <summary>All readable events of an entry, for callers that need no ids.</summary>
    public static List<TrackedEvent> Events(StreamEntry entry)
    {
        var found = new List<(int, TrackedEvent Event)>();
        Unpack(Of(entry), found);
        return found.ConvertAll(f => f.Event);
    }

    private static int UnpackBatch(in Fields entry, List<(int, TrackedEvent)> into)
    {
        var blob = ((ReadOnlyMemory<byte>)entry.Batch).Span;
        var sessions = entry.Sessions.IsNull ? null : ((string)entry.Sessions!).Split(' ');
        if (blob is not [CompressedMark, ..]) return UnpackLines(blob, sessions, into);
        var length = blob.Length >= CompressedHeader ? BinaryPrimitives.ReadInt32LittleEndian(blob[5..]) : -1;
        if (length is < 1 or > MaxLinesLength) throw new InvalidDataException("The stream entry's compressed events have no valid length.");
        var lines = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (!BrotliDecoder.TryDecompress(blob[CompressedHeader..], lines.AsSpan(0, length), out var written) || written != length)
                throw new InvalidDataException("The stream entry's compressed events are damaged.");
            return UnpackLines(lines.AsSpan(0, length), sessions, into);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(lines);
        }
    }

    private static int UnpackLines(ReadOnlySpan<byte> rest, string[]? sessions, List<(int, TrackedEvent)> into)
    {
        var (index, bad) = (0, 0);
        while (true)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (sessions is not null && 2 * index + 1 >= sessions.Length)
                throw new InvalidDataException("The stream entry has fewer sessions than events.");
            try
            {
                var e = Parse(line);
                if (sessions is not null) e = e with { VisitorId = Number(sessions[2 * index]), SessionId = Number(sessions[2 * index + 1]) };
                into.Add((index, e));
            }
            catch (InvalidDataException) { bad++; }
            index++;
            if (end < 0) break;
            rest = rest[(end + 1)..];
        }
        if (sessions is not null && sessions.Length != 2 * index)
            throw new InvalidDataException("The stream entry has more sessions than events.");
        return bad;
    }

    /// <summary>Reads one event's JSON, with the visitor and session stored next to it if any.</summary>
    /// <exception cref="InvalidDataException">It is not a complete event.</exception>
    public static TrackedEvent Decode(RedisValue json, RedisValue visitor = default, RedisValue session = default)
    {
        if (json.IsNull) throw new InvalidDataException($"The stream entry has no '{Single}' field.");
        var e = Parse(((ReadOnlyMemory<byte>)json).Span);
        if (visitor.IsNull || session.IsNull) return e;
        return e with { VisitorId = Number(visitor.ToString()), SessionId = Number(session.ToString()) };
    }

    private static TrackedEvent Parse(ReadOnlySpan<byte> json)
    {
        TrackedEvent? e;
        try
        {
            e = JsonSerializer.Deserialize(json, TrackedEventJson.Default.TrackedEvent);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The stream entry is not valid JSON.", ex);
        }
        if (e is null || e.Id == Guid.Empty || e.SiteId <= 0 || e.Name is null || e.Hostname is null || e.Pathname is null)
            throw new InvalidDataException("The stream entry is not a complete event.");
        return e;
    }

    private static long Number(string s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new InvalidDataException("The stream entry's visitor or session is not a number.");
}
