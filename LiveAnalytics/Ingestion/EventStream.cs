using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion.Enrichment;
using LiveAnalytics.Live.Streaming;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>An event ready for the stream; its session (and, after midnight, its visitor) is settled in Redis.</summary>
/// <param name="Event">Carries the visitor's id under the event's own salt and no session yet.</param>
/// <param name="EarlierVisitorIds">
/// In the minutes after a midnight, the visitor's ids under the salts a visit going on across it began with
/// (<see cref="VisitorSalts.ForEventAsync"/>): yesterday's for a live event, up to three for imported history.
/// </param>
/// <param name="Imported">
/// Stamped further back than a visit lasts (history, a late webhook): settled by its own time, not by arrival.
/// Decided once, with its salt (<see cref="IngestionService.PrepareAsync"/>), so the two never disagree.
/// </param>
public sealed record PendingEvent(TrackedEvent Event, long[]? EarlierVisitorIds, bool Imported = false);

/// <summary>
/// Appends events to the Redis stream, many to an entry (<see cref="StreamEntries"/>). One Lua script
/// per call settles each event's session (a visitor's events less than the timeout apart share one;
/// just after midnight the visitor's id under yesterday's salt is tried first, so a visit across
/// midnight stays one visitor) and XADDs them all as one entry, so a group commit of beacons or a
/// batch of 1,000 costs Redis one entry, not one each. Every unstored append also counts its events
/// and entries (<see cref="CountsKey"/>), so the backlog can be told in events.
/// </summary>
public sealed class EventStream(
    IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<EnrichmentOptions> enrichment, NodeIdentity node,
    AppendedEntries appended, OwnEntries own)
{
    // 2 + 400 × 6 arguments of 32 bytes: under the large object heap's 85,000.
    private const int MaxSettlePerCall = 400;

    private readonly RedisKey _key = redisOptions.Value.StreamKey;
    private readonly bool _compress = redisOptions.Value.CompressEntries;
    private readonly RedisKey _counts = CountsKey(redisOptions.Value);
    private readonly string _sessionPrefix = $"{redisOptions.Value.KeyPrefix}:session:";

    /// <summary>A hash of how many events and entries were ever appended unstored: the backlog's events per entry.</summary>
    public static string CountsKey(RedisOptions options) => $"{options.KeyPrefix}:events:counts";

    public TimeSpan SessionTimeout => TimeSpan.FromMinutes(enrichment.Value.SessionTimeoutMinutes);

    /// <summary>
    /// Settles and appends, one entry a call. More than <see cref="StreamEntries.MaxEvents"/> events take
    /// several calls, not all or none: the group commit never passes more.
    /// </summary>
    /// <exception cref="StreamUnavailableException">Redis did not confirm the append: none of the events may be acknowledged.</exception>
    public Task AppendAsync(IReadOnlyList<PendingEvent> events) => InChunksAsync(events, StreamEntries.MaxEvents, async chunk =>
    {
        var args = new RedisValue[7 + chunk.Count * 4];
        args[0] = (long)SessionTimeout.TotalMilliseconds;
        args[1] = _sessionPrefix;
        args[2] = node.Id;
        (args[4], args[5]) = (FlushEventsJob.Group, own.Consumer ?? "");
        // Beacons of one group commit arrived within milliseconds: one time (a new live visit's start) for all.
        args[6] = chunk[0].Event.Timestamp.ToUnixTimeMilliseconds();
        var unsettled = new TrackedEvent[chunk.Count];
        for (var i = 0; i < chunk.Count; i++)
        {
            unsettled[i] = chunk[i].Event;
            SessionArgs(args, 7 + i * 4, chunk[i]);
        }
        var packed = StreamEntries.Pack(unsettled, _compress);
        args[3] = packed.WrittenMemory;
        var reply = await EvaluateAsync(EventStreamScripts.Append, [_key, _counts], args);
        packed.Dispose();
        if (reply.Length == 3 && Remember((string?)reply[0], unsettled, ((string?)reply[1])?.Split(' ')) is { } id && (int)reply[2] == 1)
            own.TryAdd(id, unsettled);
        return 0;
    });

    /// <summary>The four arguments of one event that the session rule reads: site, visitor, its earlier ids ('' or space-separated), a fresh session id.</summary>
    private static void SessionArgs(RedisValue[] args, int at, PendingEvent pending)
    {
        var (e, earlier, _) = pending;
        args[at] = e.SiteId;
        args[at + 1] = e.VisitorId;
        args[at + 2] = earlier switch { null or [] => "", [var one] => one, _ => string.Join(' ', earlier) };
        args[at + 3] = Random.Shared.NextInt64(1, long.MaxValue);
    }

    /// <summary>
    /// Keeps the events for this node's feed, with the sessions the script settled. Never throws: the
    /// events are appended by now, and whatever cannot be kept the feed reads back from the stream.
    /// </summary>
    /// <returns>The entry's id once its events are settled (in place), or null.</returns>
    private StreamId? Remember(string? entryId, TrackedEvent[] events, string[]? sessions)
    {
        if (!StreamId.TryParse(entryId, out var id)) return null;
        if (sessions is not null)
        {
            if (sessions.Length != 2 * events.Length) return null;
            for (var i = 0; i < events.Length; i++)
            {
                if (!long.TryParse(sessions[2 * i], out var visitor) || !long.TryParse(sessions[2 * i + 1], out var session)) return null;
                events[i] = events[i] with { VisitorId = visitor, SessionId = session };
            }
        }
        appended.Add(id, events);
        return id;
    }

    /// <summary>
    /// Settles each event's session (and, after midnight, its visitor) as <see cref="AppendAsync"/> does,
    /// without appending: for callers that store the events in Postgres themselves. An imported event
    /// (<see cref="PendingEvent.Imported"/>: history, a late webhook) is settled by its own time instead: in visits of its own, or in the visitor's live visit if it lies within the timeout
    /// before that visit began; the events are taken in the order of their timestamps, so a visitor's
    /// imported events join up however a batch lists them.
    /// </summary>
    /// <returns>The events settled, in the order of their timestamps.</returns>
    /// <exception cref="StreamUnavailableException">Redis did not answer.</exception>
    public async Task<TrackedEvent[]> SettleAsync(IReadOnlyList<PendingEvent> events)
    {
        // Stable: events of one time keep the batch's order.
        var ordered = events.OrderBy(e => e.Event.Timestamp).ToArray();
        // Chunks keep each call's argument array off the large object heap; they go out pipelined.
        var chunks = await InChunksAsync(ordered, MaxSettlePerCall, async chunk =>
        {
            var args = new RedisValue[2 + chunk.Count * 6];
            args[0] = (long)SessionTimeout.TotalMilliseconds;
            args[1] = _sessionPrefix;
            for (var i = 0; i < chunk.Count; i++)
            {
                SessionArgs(args, 2 + i * 6, chunk[i]);
                args[2 + i * 6 + 4] = chunk[i].Event.Timestamp.ToUnixTimeMilliseconds();
                args[2 + i * 6 + 5] = chunk[i].Imported ? "1" : "";
            }
            var reply = await EvaluateAsync(EventStreamScripts.Settle, [], args);
            var settled = new TrackedEvent[chunk.Count];
            for (var i = 0; i < settled.Length; i++)
                settled[i] = chunk[i].Event with { VisitorId = (long)reply[2 * i], SessionId = (long)reply[2 * i + 1] };
            return settled;
        });
        return chunks.Length == 1 ? chunks[0] : chunks.SelectMany(c => c).ToArray();
    }

    /// <summary>Appends events whose sessions are settled (their JSON carries visitor and session).</summary>
    /// <param name="stored">They are in Postgres already: the entries feed live views and are not persisted again.</param>
    /// <exception cref="StreamUnavailableException">Redis did not confirm the append.</exception>
    public async Task AppendSettledAsync(IReadOnlyList<TrackedEvent> events, bool stored)
    {
        if (events.Count == 0) return;
        var all = events as TrackedEvent[] ?? events.ToArray();
        var entries = new List<(TrackedEvent[] Events, PooledBufferWriter Packed)>();
        for (var from = 0; from < all.Length; from += StreamEntries.MaxEvents)
        {
            var chunk = all[from..Math.Min(all.Length, from + StreamEntries.MaxEvents)];
            entries.Add((chunk, StreamEntries.Pack(chunk, _compress)));
        }
        var args = new RedisValue[4 + 2 * entries.Count];
        (args[0], args[1], args[2], args[3]) = (node.Id, stored ? "1" : "0", FlushEventsJob.Group, own.Consumer ?? "");
        for (var i = 0; i < entries.Count; i++) (args[4 + 2 * i], args[5 + 2 * i]) = (entries[i].Packed.WrittenMemory, entries[i].Events.Length);
        var ids = await EvaluateAsync(EventStreamScripts.AppendSettled, [_key, _counts], args);
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i].Packed.Dispose();
            if (i < ids.Length) Remember((string?)ids[i], entries[i].Events, sessions: null);
        }
    }

    /// <summary>
    /// One call per chunk, all sent at once (pipelined on the one connection). Fails if any chunk fails.
    /// For calls without lasting effect on failure, or with one chunk only (a group commit's beacons):
    /// several chunks are not appended all or none.
    /// </summary>
    private static Task<T[]> InChunksAsync<TItem, T>(IReadOnlyList<TItem> items, int size, Func<IReadOnlyList<TItem>, Task<T>> call)
    {
        if (items.Count <= size) return items.Count == 0 ? Task.FromResult(Array.Empty<T>()) : One(call(items));
        var all = items as TItem[] ?? items.ToArray();
        var calls = new Task<T>[(all.Length + size - 1) / size];
        for (var c = 0; c < calls.Length; c++)
            calls[c] = call(new ArraySegment<TItem>(all, c * size, Math.Min(size, all.Length - c * size)));
        return Task.WhenAll(calls);

        static async Task<T[]> One(Task<T> single) => [await single];
    }

    /// <exception cref="StreamUnavailableException">Redis did not answer: nothing may be acknowledged.</exception>
    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await redis.GetDatabase().ScriptEvaluateAsync(script, keys, args);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StreamUnavailableException(ex);
        }
    }
}

/// <summary>The event could not be made durable; the caller must not acknowledge it.</summary>
public sealed class StreamUnavailableException(Exception inner)
    : Exception("The event stream is unavailable.", inner);
