using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Live.Streaming;

/// <summary>
/// Reads a site's events after a given stream id back from Redis, for a client resuming with
/// Last-Event-ID. The stream keeps the live window (30 minutes), so that is how far back a resume reaches.
/// </summary>
public sealed partial class StreamReplay(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time, ILogger<StreamReplay> logger)
{
    // Entries, each of up to 128 events.
    private const int Page = 50;

    public async IAsyncEnumerable<LiveEvent> AfterAsync(long siteId, StreamId after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var key = options.Value.StreamKey;
        // The entry holding the last event seen is read again, from the event after it.
        var (from, seen) = after.Entry;
        var range = from.ToString();
        var events = new List<(int Index, TrackedEvent Event)>();
        while (!ct.IsCancellationRequested)
        {
            var entries = await db.StreamRangeAsync(key, range, "+", Page);
            foreach (var entry in entries)
            {
                if (!StreamId.TryParse(entry.Id, out var entryId)) continue;
                events.Clear();
                try { StreamEntries.Unpack(StreamEntries.Of(entry), events); }
                catch (InvalidDataException ex) { LogBadEntry(ex, entry.Id!); continue; }
                foreach (var (index, e) in events)
                {
                    if (entryId == from && index <= seen) continue;
                    if (e.SiteId == siteId && LiveSnapshot.IsLive(e, time.GetUtcNow())) yield return new LiveEvent(StreamId.OfEvent(entryId, index).ToString(), e);
                }
            }
            if (entries.Length < Page || !StreamId.TryParse(entries[^1].Id, out var last)) yield break;
            range = "(" + last;
        }
    }

    [LoggerMessage(LogLevel.Error, "Skipping unreadable stream entry {Id} in a replay")]
    private partial void LogBadEntry(Exception ex, string id);
}
