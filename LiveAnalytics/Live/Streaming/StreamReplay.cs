using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Live.Streaming;

/// <summary>
/// Reads a site's events after a given stream id back from Redis, for a client resuming with
/// Last-Event-ID. The stream keeps the live window (30 minutes), so that is how far back a resume reaches.
/// </summary>
public sealed partial class StreamReplay(IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<StreamReplay> logger)
{
    private const int Page = 1000;

    public async IAsyncEnumerable<LiveEvent> AfterAsync(long siteId, StreamId after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var key = options.Value.StreamKey;
        var from = after;
        while (!ct.IsCancellationRequested)
        {
            var entries = await db.StreamRangeAsync(key, "(" + from, "+", Page);
            foreach (var entry in entries)
            {
                TrackedEvent e;
                try { e = EventStream.Decode(entry); }
                catch (InvalidDataException ex) { LogBadEntry(ex, entry.Id!); continue; }
                if (e.SiteId == siteId) yield return new LiveEvent(entry.Id!, e);
            }
            if (entries.Length < Page || !StreamId.TryParse(entries[^1].Id, out from)) yield break;
        }
    }

    [LoggerMessage(LogLevel.Error, "Skipping unreadable stream entry {Id} in a replay")]
    private partial void LogBadEntry(Exception ex, string id);
}
