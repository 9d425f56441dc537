using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LiveAnalytics.Infrastructure;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// The shape of a stream entry. One entry carries many events (a group commit's beacons, a batch
/// request): field b holds their JSON one per line, vs the visitor and session the append script
/// settled for each ("v1 s1 v2 s2 …", absent when the JSON carries them), n the ingesting node, and
/// p marks events already stored in Postgres. A single event in field e (with v and s) is read too:
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

    /// <summary>
    /// The events' JSON, one per line (JSON escapes every newline inside strings), in a pooled buffer:
    /// dispose it once the append is confirmed (not after a timeout: the client may still be sending it).
    /// </summary>
    public static PooledBufferWriter Pack(IReadOnlyList<TrackedEvent> events)
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
        return ((ReadOnlyMemory<byte>)entry.Batch).Span.Count((byte)'\n') + 1;
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
        ReadOnlyMemory<byte> blob = entry.Batch;
        var sessions = entry.Sessions.IsNull ? null : ((string)entry.Sessions!).Split(' ');
        var (index, bad) = (0, 0);
        var rest = blob.Span;
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
