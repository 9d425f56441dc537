using System.Collections.Concurrent;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Live;

/// <summary>
/// The in-process hub every live view subscribes to. Fed in stream order by <see cref="StreamFeed"/>;
/// subscribers are told "something changed" and read a <see cref="LiveSnapshot"/> when they render,
/// so a burst of events costs them one render, not one per event.
/// </summary>
public sealed class EventHub : IDisposable
{
    private readonly ConcurrentDictionary<long, Site> _sites = new();
    private readonly TimeProvider _time;
    private readonly ITimer _expiry;

    public EventHub(TimeProvider time)
    {
        _time = time;
        // Visitors leave the 5-minute window without sending anything: the server notices and pushes the drop.
        _expiry = time.CreateTimer(_ => ExpireAll(), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
    }

    public void Publish(TrackedEvent e)
    {
        var site = _sites.GetOrAdd(e.SiteId, _ => new Site());
        lock (site) site.State.Apply(e);
        site.Notify();
    }

    public LiveSnapshot Snapshot(long siteId)
    {
        var now = _time.GetUtcNow();
        if (!_sites.TryGetValue(siteId, out var site)) return new SiteLiveState().Snapshot(now);
        lock (site) return site.State.Snapshot(now);
    }

    /// <summary>Calls <paramref name="onChange"/> (on the feeding thread) after each change to the site.</summary>
    public IDisposable Subscribe(long siteId, Action onChange)
    {
        while (true)
        {
            var site = _sites.GetOrAdd(siteId, _ => new Site());
            lock (site.Subscribers)
            {
                // Expiry may have just evicted this idle site; then subscribe to its successor.
                if (!_sites.TryGetValue(siteId, out var current) || current != site) continue;
                var subscription = new Subscription(site, onChange);
                site.Subscribers.Add(subscription);
                return subscription;
            }
        }
    }

    public int SubscriberCount(long siteId) =>
        _sites.TryGetValue(siteId, out var site) ? site.Subscribers.Count : 0;

    internal void ExpireAll()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, site) in _sites)
        {
            bool changed, idle;
            lock (site) { changed = site.State.Expire(now); idle = site.State.IsIdle(now); }
            if (changed) site.Notify();
            lock (site.Subscribers)
                if (idle && site.Subscribers.Count == 0) _sites.TryRemove(id, out _);
        }
    }

    public void Dispose() => _expiry.Dispose();

    private sealed class Site
    {
        public readonly SiteLiveState State = new();
        public readonly List<Subscription> Subscribers = [];

        public void Notify()
        {
            Subscription[] targets;
            lock (Subscribers) targets = [.. Subscribers];
            foreach (var s in targets) s.OnChange();
        }
    }

    private sealed class Subscription(Site site, Action onChange) : IDisposable
    {
        public Action OnChange { get; } = onChange;
        public void Dispose()
        {
            lock (site.Subscribers) site.Subscribers.Remove(this);
        }
    }
}
