using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live.Streaming;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Live;

/// <summary>
/// Feeds this node's <see cref="EventHub"/> from the shared Redis stream. It starts 30 minutes
/// back, so a (re)started node shows the same live numbers as its peers at once, and after a
/// lost connection it resumes from the last id it read: nothing missed, nothing doubled.
/// </summary>
public sealed partial class StreamFeed(
    EventHub hub, NodeIdentity node, AppendedEntries appended, IOptions<RedisOptions> options, TimeProvider time, ILogger<StreamFeed> logger) : BackgroundService
{
    private const int BlockMilliseconds = 1000;
    // Entries, each of up to 128 events.
    private const int BatchSize = 100;
    private const int HubSlice = 4096;

    /// <summary>The id of the last entry handed to the hub.</summary>
    public string LastId { get; private set; } = "0-0";

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        LastId = $"{(time.GetUtcNow() - LiveSnapshot.ChartWindow).ToUnixTimeMilliseconds()}-0";
        // XREAD BLOCK holds its connection, so it gets a multiplexer of its own: the shared one stays free.
        var config = InfrastructureExtensions.RedisConfiguration(options.Value);
        config.AsyncTimeout = config.SyncTimeout = BlockMilliseconds + 5000;
        using var redis = await ConnectionMultiplexer.ConnectAsync(config);
        var key = options.Value.StreamKey;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var result = await redis.GetDatabase().ExecuteAsync("XREAD",
                    "COUNT", BatchSize, "BLOCK", BlockMilliseconds, "STREAMS", key, LastId);
                if (!result.IsNull) Dispatch(result);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && !ct.IsCancellationRequested)
            {
                LogReadFailed(ex, LastId);
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    private void Dispatch(RedisResult result)
    {
        var batch = new List<LiveEvent>();
        var events = new List<(int Index, TrackedEvent Event)>();
        var last = LastId;
        // History on the stream (a server's import stored through it while Postgres was away) waits there to be
        // persisted; the live views leave it out.
        var now = time.GetUtcNow();
        foreach (var entries in EntriesOf(result))
        {
            for (var e = 0; e < entries.Length; e++)
            {
                var id = (string)entries[e][0]!;
                var entryId = StreamId.TryParse(id, out var parsed) ? parsed : default;
                var fields = StreamEntries.Of((RedisValue[])entries[e][1]!);
                var here = fields.Node == node.Id;
                // One entry holds many events; each gets an id of its own within the entry's.
                if (here && appended.TryTake(entryId, out var own))
                {
                    for (var i = 0; i < own.Count; i++)
                        if (LiveSnapshot.IsLive(own[i], now)) batch.Add(new LiveEvent(StreamId.OfEvent(entryId, i).ToString(), own[i], true));
                }
                else
                {
                    events.Clear();
                    try
                    {
                        var bad = StreamEntries.Unpack(fields, events);
                        if (bad > 0) LogBadEvents(bad, id);
                    }
                    catch (InvalidDataException ex)
                    {
                        LogBadEntry(ex, id);
                    }
                    foreach (var (index, ev) in events)
                        if (LiveSnapshot.IsLive(ev, now)) batch.Add(new LiveEvent(StreamId.OfEvent(entryId, index).ToString(), ev, here));
                }
                // In slices: a list of tens of thousands would itself be a large object.
                if (batch.Count >= HubSlice)
                {
                    hub.Publish(batch);
                    batch = new List<LiveEvent>();
                }
            }
            if (entries.Length > 0) last = (string)entries[^1][0]!;
        }
        hub.Publish(batch);
        LastId = last;   // after the hub has them: whoever waits for an id sees its event applied
        if (StreamId.TryParse(last, out var passed)) appended.ForgetUpTo(passed);
    }

    /// <summary>
    /// The entry lists of an XREAD reply: RESP3 sends a map {stream: entries} (flattened here to
    /// key, value, ...), RESP2 an array of [stream, entries] pairs.
    /// </summary>
    internal static IEnumerable<RedisResult> EntriesOf(RedisResult reply)
    {
        if (reply.Resp3Type == ResultType.Map)
            for (var i = 1; i < reply.Length; i += 2) yield return reply[i];
        else
            for (var i = 0; i < reply.Length; i++) yield return reply[i][1];
    }

    [LoggerMessage(LogLevel.Warning, "Reading the event stream failed after id {LastId}; retrying")]
    private partial void LogReadFailed(Exception ex, string lastId);

    [LoggerMessage(LogLevel.Error, "Skipping {Count} unreadable events of stream entry {Id}")]
    private partial void LogBadEvents(int count, string id);

    [LoggerMessage(LogLevel.Error, "Skipping unreadable stream entry {Id}")]
    private partial void LogBadEntry(Exception ex, string id);
}
