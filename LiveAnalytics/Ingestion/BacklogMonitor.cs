using LiveAnalytics.Infrastructure;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Watches how far persistence lags behind the stream once a second, in events: the entries not yet
/// stored through the "persist" group (unread or pending) times the events per entry of recent appends (an entry holds one event
/// or up to 128). Past the high-water mark the node stops acknowledging new events (503 with
/// Retry-After) rather than let Redis fill its memory while Postgres is away.
/// </summary>
public sealed partial class BacklogMonitor(
    IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<IngestionOptions> options,
    TimeProvider time, ILogger<BacklogMonitor> logger) : BackgroundService
{
    private volatile bool _full;

    public long Backlog { get; private set; }
    public bool IsFull => _full;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await MeasureAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis itself is away: appends fail and answer 503 on their own.
            }
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
        }
    }

    internal async Task MeasureAsync()
    {
        var db = redis.GetDatabase();
        var key = redisOptions.Value.StreamKey;
        var group = (await db.StreamGroupInfoAsync(key)).FirstOrDefault(g => g.Name == FlushEventsJob.Group);
        // Before the first flush there is no group yet: everything in the stream is backlog. After it, the
        // entries nobody has read and those read but not yet stored (a node's writer holds its own as pending).
        var entries = group.Name is null ? await db.StreamLengthAsync(key) : (group.Lag ?? await db.StreamLengthAsync(key)) + group.PendingMessageCount;
        Backlog = (long)Math.Ceiling(entries * await EventsPerEntryAsync(db));
        var full = Backlog >= options.Value.MaxBacklog;
        if (full != _full) LogChanged(full, Backlog, options.Value.MaxBacklog);
        _full = full;
    }

    private (long Events, long Entries) _counted;

    /// <summary>Of the appends since the last measure, or of all appends when none came since; 1 before any.</summary>
    private async Task<double> EventsPerEntryAsync(IDatabase db)
    {
        var counts = await db.HashGetAsync(EventStream.CountsKey(redisOptions.Value), ["events", "entries"]);
        var now = ((long)counts[0], (long)counts[1]);
        var (events, entries) = now.Item2 > _counted.Entries ? (now.Item1 - _counted.Events, now.Item2 - _counted.Entries) : now;
        _counted = now;
        return entries > 0 ? Math.Max(1, (double)events / entries) : 1;
    }

    [LoggerMessage(LogLevel.Warning, "Backlog full: {Full} ({Backlog} events waiting to be persisted, high-water mark {Max})")]
    private partial void LogChanged(bool full, long backlog, long max);
}
