using LiveAnalytics.Infrastructure;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Watches how far persistence lags behind the stream (entries not yet read by the "persist" group)
/// once a second. Past the high-water mark the node stops acknowledging new events (503 with
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
        // Before the first flush there is no group yet: everything in the stream is backlog.
        Backlog = group.Name is null ? await db.StreamLengthAsync(key) : group.Lag ?? await db.StreamLengthAsync(key);
        var full = Backlog >= options.Value.MaxBacklog;
        if (full != _full) LogChanged(full, Backlog, options.Value.MaxBacklog);
        _full = full;
    }

    [LoggerMessage(LogLevel.Warning, "Backlog full: {Full} ({Backlog} events waiting to be persisted, high-water mark {Max})")]
    private partial void LogChanged(bool full, long backlog, long max);
}
