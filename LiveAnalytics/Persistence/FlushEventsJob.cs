using Hangfire;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live.Streaming;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Drains the event stream into Postgres through the consumer group "persist": read a batch, COPY
/// it, and XACK only after the commit. Most beacons never come here: the node that appended them
/// stores them from memory (<see cref="OwnEntriesWriter"/>). This job takes the rest: first this node's
/// own unacknowledged entries that it does not hold in memory, then entries a dead node read and never
/// acknowledged (claimed with XAUTOCLAIM once idle long enough), then entries nobody has read. While
/// Postgres is down every run fails before XACK, so the backlog waits in Redis. Last, the stream is
/// trimmed below what is both persisted and older than the live window, so a restarting node can still
/// rebuild its live state.
/// </summary>
public sealed partial class FlushEventsJob(
    IConnectionMultiplexer redis, EventWriter writer, OwnEntries own, IOptions<RedisOptions> redisOptions,
    IOptions<PersistenceOptions> options, TimeProvider time, ILogger<FlushEventsJob> logger)
{
    // Where this node persists its own, the append script's entries reach memory microseconds after their
    // delivery: this keeps the job from racing that hand-over (which would only store them twice over).
    private long? OwnLeftoverIdleMs => own.Consumer is null ? null : 5_000;

    public const string Group = "persist";
    private static readonly TimeSpan MaxRunTime = TimeSpan.FromSeconds(20);
    private readonly RedisKey _key = redisOptions.Value.StreamKey;
    private int BatchSize => options.Value.FlushBatchSize;

    // An entry carries one event or up to 128: reads are sized so that a COPY takes about FlushBatchSize
    // events, starting from full entries and adapting to what the last read held.
    private int _entriesPerRead = Math.Max(1, options.Value.FlushBatchSize / StreamEntries.MaxEvents);

    /// <summary>The consumer name: one per process, so a node's pending entries are told from a dead node's.</summary>
    public static string Consumer { get; } = Environment.MachineName + "-" + Environment.ProcessId;

    // One drain at a time per installation; a failed run (Postgres down) is simply the next run's work.
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var db = redis.GetDatabase();
        await EnsureGroupAsync(db);
        var total = await OwnLeftoversAsync(db, ct);
        total += await ClaimAbandonedAsync(db, ct);
        StreamEntry[] entries;

        var started = time.GetUtcNow();
        while (time.GetUtcNow() - started < MaxRunTime && !ct.IsCancellationRequested)
        {
            var asked = _entriesPerRead;
            entries = await db.StreamReadGroupAsync(_key, Group, Consumer, ">", asked);
            if (entries.Length == 0) break;
            total += await PersistAsync(db, entries, mayBeRedelivered: false, ct);
            if (entries.Length < asked) break;
        }
        await TrimAsync(db);
        return total;
    }

    /// <summary>
    /// This node's unacknowledged entries that <see cref="OwnEntries"/> does not hold: a flush that failed
    /// after reading, or entries delivered at append that did not fit in memory. Always possibly stored already.
    /// </summary>
    private async Task<int> OwnLeftoversAsync(IDatabase db, CancellationToken ct)
    {
        var total = 0;
        RedisValue? after = null;
        while (!ct.IsCancellationRequested)
        {
            var pending = await db.StreamPendingMessagesAsync(_key, Group, Math.Max(_entriesPerRead, 100), Consumer,
                minId: after, maxId: null, minIdleTimeInMs: OwnLeftoverIdleMs);
            if (pending.Length == 0) break;
            after = "(" + pending[^1].MessageId;
            var ids = pending.Select(p => p.MessageId).Where(id => !Held(id)).ToArray();
            if (ids.Length > 0)
            {
                // Claimed by this same consumer: only to read them (XCLAIM returns the entries).
                var entries = await db.StreamClaimAsync(_key, Group, Consumer, 0, ids);
                if (entries.Length > 0) total += await PersistAsync(db, entries, mayBeRedelivered: true, ct);
            }
        }
        return total;
    }

    private bool Held(RedisValue id) => StreamId.TryParse(id, out var parsed) && own.Contains(parsed);

    private async Task<int> ClaimAbandonedAsync(IDatabase db, CancellationToken ct)
    {
        var total = 0;
        RedisValue start = "0-0";
        do
        {
            var claimed = await db.StreamAutoClaimAsync(_key, Group, Consumer,
                (long)options.Value.ClaimIdleSeconds * 1000, start, _entriesPerRead);
            // This node's own entries in memory (idle that long while Postgres was away) are its writer's.
            var abandoned = claimed.ClaimedEntries.Where(e => !Held(e.Id)).ToArray();
            if (abandoned.Length > 0)
            {
                LogClaimed(abandoned.Length);
                total += await PersistAsync(db, abandoned, mayBeRedelivered: true, ct);
            }
            start = claimed.NextStartId;
        } while (start != "0-0" && !ct.IsCancellationRequested);
        return total;
    }

    private async Task<int> PersistAsync(IDatabase db, StreamEntry[] entries, bool mayBeRedelivered, CancellationToken ct)
    {
        var events = new List<TrackedEvent>(BatchSize);
        var read = new List<(int, TrackedEvent Event)>();
        var unreadable = new List<UnreadableEntry>();
        var carried = 0;
        foreach (var entry in entries)
        {
            var fields = StreamEntries.Of(entry);
            carried += StreamEntries.Count(fields);
            // Stored by the batch API before it answered; on the stream for the live views.
            if (fields.IsStored) continue;
            read.Clear();
            try
            {
                var bad = StreamEntries.Unpack(fields, read);
                if (bad > 0)
                {
                    LogUnreadableEvents(bad, entry.Id!);
                    unreadable.Add(UnreadableEntry.Of(entry.Id!, fields, $"{bad} of its events are unreadable; the others are stored"));
                }
            }
            catch (InvalidDataException ex)
            {
                LogUnreadable(entry.Id!);
                unreadable.Add(UnreadableEntry.Of(entry.Id!, fields, ex.Message));
            }
            foreach (var (_, e) in read)
            {
                // A pagehide "leave" only moves the live numbers; it is acknowledged without being stored.
                if (!e.IsLeave) events.Add(e);
            }
        }
        AdaptRead(entries.Length, carried);
        // Kept before the acknowledgement, like the events: an entry no reader understands is not dropped.
        if (unreadable.Count > 0) await writer.KeepUnreadableAsync(unreadable, ct);
        var inserted = await writer.WriteAsync(events, mayBeRedelivered, ct);
        await db.StreamAcknowledgeAsync(_key, Group, entries.Select(e => e.Id).ToArray());
        LogFlushed(entries.Length, inserted);
        return inserted;
    }

    private void AdaptRead(int entries, int events)
    {
        var perEntry = Math.Max(1, events / Math.Max(1, entries));
        _entriesPerRead = Math.Clamp(BatchSize / perEntry, 1, BatchSize);
    }

    private async Task EnsureGroupAsync(IDatabase db)
    {
        try
        {
            // From the very start of the stream: no entry is ever skipped by the group.
            await db.StreamCreateConsumerGroupAsync(_key, Group, "0-0", createStream: true);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP"))
        {
        }
    }

    private async Task TrimAsync(IDatabase db)
    {
        var liveFrom = (time.GetUtcNow() - Live.LiveSnapshot.ChartWindow).ToUnixTimeMilliseconds();
        var persist = (await db.StreamGroupInfoAsync(_key)).FirstOrDefault(g => g.Name == Group);
        if (persist.Name is null) return;
        var minId = MinId(persist.LastDeliveredId, $"{liveFrom}-0");
        if (persist.PendingMessageCount > 0)
            minId = MinId(minId, (await db.StreamPendingAsync(_key, Group)).LowestPendingMessageId);
        // Keeps every entry >= minId: unpersisted ones and the live window stay.
        await db.ExecuteAsync("XTRIM", _key, "MINID", minId);
    }

    internal static string MinId(string? a, string? b)
    {
        if (string.IsNullOrEmpty(a)) return b ?? "0-0";
        if (string.IsNullOrEmpty(b)) return a;
        return Parse(a).CompareTo(Parse(b)) <= 0 ? a : b;
        static (long, long) Parse(string id)
        {
            var dash = id.IndexOf('-');
            return dash < 0 ? (long.Parse(id), 0) : (long.Parse(id[..dash]), long.Parse(id[(dash + 1)..]));
        }
    }

    [LoggerMessage(LogLevel.Debug, "Flushed {Read} stream entries, {Inserted} new rows")]
    private partial void LogFlushed(int read, int inserted);

    [LoggerMessage(LogLevel.Warning, "Claimed {Count} stream entries that another node read and never acknowledged")]
    private partial void LogClaimed(int count);

    [LoggerMessage(LogLevel.Error, "{Count} events of stream entry {Id} are unreadable; the entry is kept in unreadable_entries")]
    private partial void LogUnreadableEvents(int count, string id);

    [LoggerMessage(LogLevel.Error, "Stream entry {Id} is unreadable; it is kept in unreadable_entries")]
    private partial void LogUnreadable(string id);
}
