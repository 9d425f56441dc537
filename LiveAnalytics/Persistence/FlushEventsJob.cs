using Hangfire;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Drains the event stream into Postgres through the consumer group "persist": read a batch,
/// COPY it, and XACK only after the commit. Entries this node read but never acknowledged
/// (it crashed) are read again first. Then trims the stream below what is both persisted and
/// older than the live window, so a restarting node can still rebuild its live state.
/// </summary>
public sealed partial class FlushEventsJob(
    IConnectionMultiplexer redis, EventWriter writer, IOptions<RedisOptions> redisOptions,
    IOptions<PersistenceOptions> options, TimeProvider time, ILogger<FlushEventsJob> logger)
{
    public const string Group = "persist";
    private static readonly TimeSpan MaxRunTime = TimeSpan.FromSeconds(20);
    private readonly RedisKey _key = redisOptions.Value.StreamKey;

    /// <summary>The consumer name: one per node, so a restarted node takes back its own pending entries.</summary>
    public static string Consumer { get; set; } = Environment.MachineName + "-" + Environment.ProcessId;

    // One drain at a time per installation; a failed run (Postgres down) is simply the next run's work.
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var db = redis.GetDatabase();
        await EnsureGroupAsync(db);
        var total = await DrainAsync(db, "0", ct);   // our own unacknowledged entries, if any
        var started = time.GetUtcNow();
        while (time.GetUtcNow() - started < MaxRunTime && !ct.IsCancellationRequested)
        {
            var count = await DrainAsync(db, ">", ct);
            total += count;
            if (count < options.Value.FlushBatchSize) break;
        }
        await TrimAsync(db);
        return total;
    }

    private async Task<int> DrainAsync(IDatabase db, string position, CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var entries = await db.StreamReadGroupAsync(_key, Group, Consumer, position, options.Value.FlushBatchSize);
            if (entries.Length == 0) return total;
            var events = new List<TrackedEvent>(entries.Length);
            foreach (var entry in entries)
            {
                try { events.Add(EventStream.Decode(entry[EventStream.Field])); }
                catch (InvalidDataException) { LogUnreadable(entry.Id!); }
            }
            var inserted = await writer.WriteAsync(events, ct);
            await db.StreamAcknowledgeAsync(_key, Group, entries.Select(e => e.Id).ToArray());
            LogFlushed(entries.Length, inserted);
            total += inserted;
            if (position == ">" && entries.Length < options.Value.FlushBatchSize) return total;
        }
        return total;
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
        var groups = await db.StreamGroupInfoAsync(_key);
        var persist = groups.FirstOrDefault(g => g.Name == Group);
        if (persist.Name is null) return;
        var minId = MinId(persist.LastDeliveredId, $"{liveFrom}-0");
        if (persist.PendingMessageCount > 0)
        {
            var pending = await db.StreamPendingAsync(_key, Group);
            minId = MinId(minId, pending.LowestPendingMessageId);
        }
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

    [LoggerMessage(LogLevel.Error, "Stream entry {Id} is unreadable and was skipped")]
    private partial void LogUnreadable(string id);
}
