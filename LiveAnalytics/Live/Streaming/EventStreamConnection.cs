using System.Text.Json;
using System.Threading.Channels;

namespace LiveAnalytics.Live.Streaming;

/// <summary>
/// One client of <c>GET /api/v1/stream</c>: the site's events in stream order (each with its stream id
/// as the SSE id), its counters when they change (at most 10 a second), and a heartbeat when idle.
/// It subscribes before replaying what the client missed (Last-Event-ID), then skips what the replay
/// already sent: nothing missed at the seam, nothing doubled. A client too slow to keep up is cut
/// off rather than fed a gap; it reconnects and resumes from its last id.
/// </summary>
public sealed class EventStreamConnection(EventHub hub, StreamReplay replay, StreamOptions options, TimeProvider time)
{
    private static readonly TimeSpan CountersInterval = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync(HttpResponse response, long siteId, StreamId? resumeAfter, CancellationToken ct)
    {
        var queue = Channel.CreateBounded<LiveEvent?>(new BoundedChannelOptions(options.ClientQueue)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true,
        });
        using var subscription = hub.Subscribe(siteId, e =>
        {
            if (!queue.Writer.TryWrite(e)) queue.Writer.TryComplete();   // too slow: end the stream, the client resumes
        });
        SseWriter.Start(response, TimeSpan.FromSeconds(2));
        var sse = new SseWriter(response);
        var sent = resumeAfter ?? default;
        if (resumeAfter is { } after)
        {
            await foreach (var e in replay.AfterAsync(siteId, after, ct))
            {
                Write(sse, e);
                StreamId.TryParse(e.StreamId, out sent);
            }
        }
        (long, int, int, int)? countersKey = null;
        var countersAt = DateTimeOffset.MinValue;
        var heartbeat = TimeSpan.FromSeconds(options.HeartbeatSeconds);
        while (!ct.IsCancellationRequested)
        {
            var snapshot = hub.Snapshot(siteId);
            var now = time.GetUtcNow();
            var countersDue = PublicCounters.KeyOf(snapshot) != countersKey;
            if (countersDue && now - countersAt >= CountersInterval)
            {
                sse.Frame("counters", JsonSerializer.SerializeToUtf8Bytes(PublicCounters.From(snapshot), PublicJson.Default.PublicCounters));
                (countersKey, countersAt, countersDue) = (PublicCounters.KeyOf(snapshot), now, false);
            }
            await sse.FlushAsync(ct);

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(countersDue ? CountersInterval : heartbeat);
            try
            {
                if (!await queue.Reader.WaitToReadAsync(wait.Token)) return;   // cut off for falling behind
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (!countersDue) sse.Comment();
                continue;
            }
            while (queue.Reader.TryRead(out var e))
            {
                if (e is null || !StreamId.TryParse(e.StreamId, out var id) || id <= sent) continue;
                Write(sse, e);
                sent = id;
            }
        }
    }

    private static void Write(SseWriter sse, LiveEvent e) =>
        sse.Frame("event", JsonSerializer.SerializeToUtf8Bytes(PublicEvent.From(e), PublicJson.Default.PublicEvent), e.StreamId);
}
