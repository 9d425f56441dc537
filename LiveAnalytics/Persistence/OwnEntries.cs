using LiveAnalytics.Ingestion;
using LiveAnalytics.Live.Streaming;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Stream entries this node appended and, in the same script, took into its own consumer's pending list
/// in the "persist" group, with their settled events: <see cref="OwnEntriesWriter"/> stores them from here
/// instead of reading back and parsing what it has just written. Redis still holds each entry as pending
/// until the COPY has committed, so a crash loses nothing: another node claims them as it claims any dead
/// node's entries. Bounded: an entry that does not fit stays pending only, and the flush job reads it.
/// </summary>
public sealed class OwnEntries(IOptions<PersistenceOptions> options)
{
    public const int MaxEvents = 200_000;
    private readonly Queue<Entry> _entries = new();
    private readonly HashSet<StreamId> _ids = [];
    private readonly SemaphoreSlim _batchReady = new(0, 1);
    private int _events;

    /// <summary>The consumer the append script delivers to, or null when this node does not persist its own events.</summary>
    public string? Consumer { get; } = options.Value.PersistOwnEvents ? FlushEventsJob.Consumer : null;

    /// <returns>False when full: the entry then waits in Redis for the flush job.</returns>
    public bool TryAdd(StreamId id, TrackedEvent[] events)
    {
        lock (_entries)
        {
            if (_events + events.Length > MaxEvents || !_ids.Add(id)) return false;
            _entries.Enqueue(new Entry(id, events));
            _events += events.Length;
            if (_events >= options.Value.FlushBatchSize && _batchReady.CurrentCount == 0) _batchReady.Release();
        }
        return true;
    }

    /// <summary>Waits until a batch's worth of events is held (true) or <paramref name="timeout"/> passes on <paramref name="time"/> (false).</summary>
    public async Task<bool> WaitForBatchAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        // A timeout by cancellation, not SemaphoreSlim's own (the real clock): a waiter given up on by
        // Task.WhenAny would still take the next release.
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await _batchReady.WaitAsync(either.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The oldest entries, whole, until they hold <paramref name="events"/> events (one entry more may pass it)
    /// or none are left; they stay until <see cref="Remove"/>.
    /// </summary>
    public IReadOnlyList<Entry> Peek(int events)
    {
        lock (_entries)
        {
            var batch = new List<Entry>();
            var taken = 0;
            foreach (var entry in _entries)
            {
                if (taken >= events) break;
                batch.Add(entry);
                taken += entry.Events.Length;
            }
            return batch;
        }
    }

    /// <summary>
    /// Drops a batch <see cref="Peek"/> gave: stored and acknowledged, or left to the flush job. Only while it
    /// is still at the front, so a second writer's removal of the same batch drops nothing more.
    /// </summary>
    public void Remove(IReadOnlyList<Entry> batch)
    {
        lock (_entries)
        {
            foreach (var entry in batch)
            {
                if (!_entries.TryPeek(out var head) || !ReferenceEquals(head, entry)) return;
                _entries.Dequeue();
                _ids.Remove(entry.Id);
                _events -= entry.Events.Length;
            }
        }
    }

    public bool Contains(StreamId id)
    {
        lock (_entries) return _ids.Contains(id);
    }

    public int Count
    {
        get { lock (_entries) return _entries.Count; }
    }

    public sealed record Entry(StreamId Id, TrackedEvent[] Events);
}
