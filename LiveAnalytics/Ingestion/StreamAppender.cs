using System.Threading.Channels;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Group commit for beacons: concurrent requests queue their events here, and one loop appends
/// everything queued so far in a single script call while the previous call is in flight. Each
/// request still waits for its own append before answering 202, so nothing is acknowledged early;
/// under load a call carries tens of events instead of one. The queue is bounded: when it is full
/// the request is refused (503) instead of waiting without limit.
/// </summary>
public sealed class StreamAppender : BackgroundService
{
    private const int MaxEventsPerCall = StreamEntries.MaxEvents;
    private readonly Channel<Append> _queue = Channel.CreateBounded<Append>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly EventStream _stream;

    public StreamAppender(EventStream stream) => _stream = stream;

    /// <exception cref="StreamUnavailableException">Redis did not confirm, or the queue is full.</exception>
    public Task AppendAsync(IReadOnlyList<PendingEvent> events)
    {
        if (events.Count == 0) return Task.CompletedTask;
        var append = new Append(events, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _queue.Writer.TryWrite(append)
            ? append.Done.Task
            : Task.FromException(new StreamUnavailableException(new InvalidOperationException("The append queue is full.")));
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var group = new List<Append>();
        var events = new List<PendingEvent>(MaxEventsPerCall);
        try
        {
            await RunAsync(group, events, ct);
        }
        finally
        {
            // Shutting down: whatever is still queued was never appended, so it is refused, not left hanging.
            _queue.Writer.TryComplete();
            var stopped = new StreamUnavailableException(new OperationCanceledException("The app is stopping."));
            while (_queue.Reader.TryRead(out var left)) left.Done.TrySetException(stopped);
        }
    }

    private async Task RunAsync(List<Append> group, List<PendingEvent> events, CancellationToken ct)
    {
        while (await _queue.Reader.WaitToReadAsync(ct))
        {
            while (events.Count < MaxEventsPerCall && _queue.Reader.TryRead(out var next))
            {
                group.Add(next);
                events.AddRange(next.Events);
            }
            try
            {
                await _stream.AppendAsync(events);
                foreach (var a in group) a.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                var failure = ex as StreamUnavailableException ?? new StreamUnavailableException(ex);
                foreach (var a in group) a.Done.TrySetException(failure);
            }
            group.Clear();
            events.Clear();
        }
    }

    private sealed record Append(IReadOnlyList<PendingEvent> Events, TaskCompletionSource Done);
}
