using System.Collections.Concurrent;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Live;

/// <summary>An event as the hub hands it on: with its stream id (the resume point) and whether this node ingested it.</summary>
public sealed record LiveEvent(string StreamId, TrackedEvent Event, bool IngestedHere = false);

/// <summary>
/// The in-process hub every live view subscribes to. Fed in stream order by <see cref="StreamFeed"/>.
/// Subscribers get each event (or null when time alone changed the numbers: a visitor left the
/// window) and read a <see cref="LiveSnapshot"/> when they render, so a burst of events costs a
/// dashboard one render, not one per event. Snapshots are shared until the site changes.
/// </summary>
public sealed class EventHub : IDisposable
{
    private static readonly TimeSpan SnapshotReuse = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<long, Site> _sites = new();
    private readonly TimeProvider _time;
    private readonly ITimer _expiry;

    public EventHub(TimeProvider time)
    {
        _time = time;
        // Visitors leave the windows without sending anything: the server notices and pushes the drop.
        _expiry = time.CreateTimer(_ => ExpireAll(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private volatile Action<long, LiveEvent?>[] _taps = [];

    public void Publish(LiveEvent e) => Publish([e]);

    /// <summary>
    /// Applies a batch read from the stream: each site's events under one lock, then the notifications
    /// in order. One lock per event made the feed wait on every snapshot being computed.
    /// </summary>
    public void Publish(IReadOnlyList<LiveEvent> events)
    {
        var start = 0;
        while (start < events.Count)
        {
            // A run of one site's events; a stream with many sites interleaves short runs.
            var siteId = events[start].Event.SiteId;
            var end = start + 1;
            while (end < events.Count && events[end].Event.SiteId == siteId) end++;
            var site = _sites.GetOrAdd(siteId, _ => new Site());
            // A resend taken in already reaches no subscriber (live pages, widgets, streams, the hub): rare, so noted
            // only when it happens.
            List<int>? resent = null;
            lock (site)
                for (var i = start; i < end; i++)
                    if (!site.State.Apply(events[i].Event, events[i].StreamId)) (resent ??= []).Add(i);
            var taps = _taps;
            for (var i = start; i < end; i++)
            {
                if (resent is not null && resent.Contains(i)) continue;
                site.Notify(events[i]);
                foreach (var tap in taps) tap(siteId, events[i]);
            }
            start = end;
        }
    }

    /// <summary>Calls <paramref name="onChange"/> after each change to any site (for the hub's publisher).</summary>
    public IDisposable SubscribeAll(Action<long, LiveEvent?> onChange)
    {
        lock (_sites) _taps = [.. _taps, onChange];
        return new Tap(this, onChange);
    }

    private sealed class Tap(EventHub hub, Action<long, LiveEvent?> onChange) : IDisposable
    {
        public void Dispose()
        {
            lock (hub._sites) hub._taps = hub._taps.Where(t => t != onChange).ToArray();
        }
    }

    public LiveSnapshot Snapshot(long siteId)
    {
        var now = _time.GetUtcNow();
        if (!_sites.TryGetValue(siteId, out var site)) return new SiteLiveState().Snapshot(now);
        LiveSnapshot snapshot;
        bool expired;
        lock (site)
        {
            // Many viewers of one site render the same picture: computed once per change, not per viewer.
            if (site.Cached is { } c && c.Sequence == site.State.Sequence && now - c.At < SnapshotReuse) return c;
            expired = site.State.Expire(now);
            snapshot = site.Cached = site.State.Snapshot(now);
        }
        // Whoever notices that time moved the numbers tells everyone: a reader must not swallow the
        // change that the expiry timer would otherwise have announced.
        if (expired) Announce(siteId, site);
        return snapshot;
    }

    public int ViewersOf(long siteId, string page)
    {
        if (!_sites.TryGetValue(siteId, out var site)) return 0;
        // Expired visitors leave the tally within a second (the expiry timer), as they leave every other number.
        lock (site) return site.State.ViewersOf(page);
    }

    /// <summary>How many of the custom event <paramref name="name"/> the last 30 minutes saw (any name, not only the top ones).</summary>
    public int EventsOf(long siteId, string name)
    {
        if (!_sites.TryGetValue(siteId, out var site)) return 0;
        lock (site) return site.State.EventsOf(name, _time.GetUtcNow());
    }

    public Journey? Journey(long siteId, long visitorId)
    {
        if (!_sites.TryGetValue(siteId, out var site)) return null;
        Journey? journey;
        bool expired;
        lock (site)
        {
            var now = _time.GetUtcNow();
            if (expired = site.State.Expire(now)) site.Cached = null;
            journey = site.State.Journey(visitorId, now);
        }
        if (expired) Announce(siteId, site);
        return journey;
    }

    /// <summary>Calls <paramref name="onChange"/> (on the feeding thread) after each change to the site.</summary>
    public IDisposable Subscribe(long siteId, Action<LiveEvent?> onChange)
    {
        while (true)
        {
            var site = _sites.GetOrAdd(siteId, _ => new Site());
            lock (site.Gate)
            {
                // Expiry may have just evicted this idle site; then subscribe to its successor.
                if (!_sites.TryGetValue(siteId, out var current) || current != site) continue;
                var subscription = new Subscription(site, onChange);
                site.Subscribers = [.. site.Subscribers, subscription];
                return subscription;
            }
        }
    }

    /// <summary>The sites with live state on this node now.</summary>
    public IReadOnlyCollection<long> SiteIds => (IReadOnlyCollection<long>)_sites.Keys;

    public int SubscriberCount(long siteId) =>
        _sites.TryGetValue(siteId, out var site) ? site.Subscribers.Length : 0;

    internal void ExpireAll()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, site) in _sites)
        {
            bool changed, idle;
            lock (site)
            {
                changed = site.State.Expire(now);
                if (changed) site.Cached = null;
                idle = site.State.IsIdle(now);
            }
            if (changed) Announce(id, site);
            lock (site.Gate)
                if (idle && site.Subscribers.Length == 0) _sites.TryRemove(id, out _);
        }
    }

    private void Announce(long siteId, Site site)
    {
        site.Notify(null);
        foreach (var tap in _taps) tap(siteId, null);
    }

    public void Dispose() => _expiry.Dispose();

    private sealed class Site
    {
        public readonly SiteLiveState State = new();
        public LiveSnapshot? Cached;
        public readonly object Gate = new();
        // Copy-on-write: a site with thousands of widget viewers is notified without copying the list per event.
        public volatile Subscription[] Subscribers = [];

        public void Notify(LiveEvent? e)
        {
            foreach (var s in Subscribers) s.OnChange(e);
        }
    }

    private sealed class Subscription(Site site, Action<LiveEvent?> onChange) : IDisposable
    {
        public Action<LiveEvent?> OnChange { get; } = onChange;
        public void Dispose()
        {
            lock (site.Gate) site.Subscribers = site.Subscribers.Where(s => s != this).ToArray();
        }
    }
}
