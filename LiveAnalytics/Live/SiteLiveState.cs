using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Live;

/// <summary>
/// One site's live numbers, kept in memory and fed in stream order. Not thread-safe by itself:
/// the <see cref="EventHub"/> serialises access with the lock it holds per site.
/// </summary>
internal sealed class SiteLiveState
{
    private readonly Dictionary<long, DateTimeOffset> _lastSeen = [];
    private readonly Queue<FeedItem> _feed = new(LiveSnapshot.FeedSize);
    private readonly Dictionary<long, int> _pageviewsByMinute = [];

    public DateTimeOffset LastEventAt { get; private set; }

    public void Apply(TrackedEvent e)
    {
        if (!_lastSeen.TryGetValue(e.VisitorId, out var seen) || seen < e.Timestamp)
            _lastSeen[e.VisitorId] = e.Timestamp;
        if (_feed.Count == LiveSnapshot.FeedSize) _feed.Dequeue();
        _feed.Enqueue(new FeedItem(e.Id, e.Timestamp, e.Name, e.Pathname, e.Source, e.Medium));
        if (e.IsPageview)
        {
            var minute = MinuteOf(e.Timestamp);
            _pageviewsByMinute[minute] = _pageviewsByMinute.GetValueOrDefault(minute) + 1;
        }
        if (e.Timestamp > LastEventAt) LastEventAt = e.Timestamp;
    }

    /// <summary>Drops what has left every window; returns whether the visitor count changed.</summary>
    public bool Expire(DateTimeOffset now)
    {
        var before = _lastSeen.Count;
        var onlineSince = now - LiveSnapshot.OnlineWindow;
        foreach (var (visitor, seen) in _lastSeen)
            if (seen < onlineSince) _lastSeen.Remove(visitor);
        var firstMinute = MinuteOf(now - LiveSnapshot.ChartWindow);
        foreach (var minute in _pageviewsByMinute.Keys)
            if (minute <= firstMinute) _pageviewsByMinute.Remove(minute);
        return _lastSeen.Count != before;
    }

    public LiveSnapshot Snapshot(DateTimeOffset now)
    {
        Expire(now);
        var current = MinuteOf(now);
        var minutes = new MinuteCount[(int)LiveSnapshot.ChartWindow.TotalMinutes];
        for (var i = 0; i < minutes.Length; i++)
        {
            var m = current - (minutes.Length - 1 - i);
            minutes[i] = new MinuteCount(DateTimeOffset.FromUnixTimeSeconds(m * 60), _pageviewsByMinute.GetValueOrDefault(m));
        }
        return new LiveSnapshot(now, _lastSeen.Count, _feed.Reverse().ToArray(), minutes);
    }

    public bool IsIdle(DateTimeOffset now) => LastEventAt < now - LiveSnapshot.ChartWindow;

    private static long MinuteOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60;
}
