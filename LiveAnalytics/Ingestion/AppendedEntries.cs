using System.Collections.Concurrent;
using LiveAnalytics.Live.Streaming;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// The events this node appended, by stream entry id, until its live feed reads those entries back:
/// the feed then takes them as they are instead of parsing the JSON it has just written. Bounded: if
/// the feed falls behind, later entries are simply parsed.
/// </summary>
public sealed class AppendedEntries
{
    private const int MaxEntries = 512;
    private readonly ConcurrentDictionary<StreamId, IReadOnlyList<TrackedEvent>> _entries = new();

    public void Add(StreamId entry, IReadOnlyList<TrackedEvent> events)
    {
        if (_entries.Count < MaxEntries) _entries[entry] = events;
    }

    public bool TryTake(StreamId entry, out IReadOnlyList<TrackedEvent> events) => _entries.TryRemove(entry, out events!);

    /// <summary>
    /// Drops what the feed has passed without taking (it read the entry before the append's reply
    /// came back and registered it).
    /// </summary>
    public void ForgetUpTo(StreamId read)
    {
        if (_entries.IsEmpty) return;
        foreach (var id in _entries.Keys)
            if (id <= read) _entries.TryRemove(id, out _);
    }

    public int Count => _entries.Count;
}
