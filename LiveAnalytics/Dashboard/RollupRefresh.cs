using LiveAnalytics.Live;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// Keeps figures read from the rollups current without polling (a history view that runs to today, the sites list's
/// day so far): the sites' events, pushed by the hub as they arrive, ask for a reload once the rollup job will have
/// taken them (it takes a busy site's every ten seconds), at most one per wait however many events come. A quiet site
/// is never read again; a view of past days is not followed.
/// </summary>
internal sealed class RollupRefresh(EventHub hub, TimeProvider time, Func<Task> reload) : IDisposable
{
    /// <summary>How long after an event figures from the rollups (milliseconds to read) are read again.</summary>
    public static readonly TimeSpan Unfiltered = TimeSpan.FromSeconds(12);

    /// <summary>A filtered view costs its database a second or so on a busy site: read again at most once a minute.</summary>
    public static readonly TimeSpan Filtered = TimeSpan.FromSeconds(60);

    private readonly List<IDisposable> _subscriptions = [];
    private long[] _sites = [];
    private ITimer? _timer;
    private int _scheduled;
    private TimeSpan _wait;
    private volatile bool _following;

    /// <summary>Follows <paramref name="siteId"/>'s events, reloading <paramref name="wait"/> after one; null stops.</summary>
    public void Follow(long siteId, TimeSpan? wait) => Follow([siteId], wait);

    /// <summary>Follows the events of every site of <paramref name="siteIds"/>, one reload for all of them.</summary>
    public void Follow(IReadOnlyCollection<long> siteIds, TimeSpan? wait)
    {
        if (wait is not { } w) { _following = false; return; }
        if (!_sites.SequenceEqual(siteIds))
        {
            foreach (var s in _subscriptions) s.Dispose();
            _subscriptions.Clear();
            _subscriptions.AddRange(siteIds.Select(id => hub.Subscribe(id, OnChange)));
            _sites = [.. siteIds];
        }
        (_wait, _following) = (w, true);
    }

    // On the hub's feeding thread: only schedules. Null is time alone changing the live numbers, nothing stored.
    private void OnChange(LiveEvent? e)
    {
        if (e is null || !_following || Interlocked.Exchange(ref _scheduled, 1) == 1) return;
        Interlocked.Exchange(ref _timer, time.CreateTimer(_ => Fire(), null, _wait, Timeout.InfiniteTimeSpan))?.Dispose();
    }

    private void Fire()
    {
        // Events from now on ask for the next reload.
        Interlocked.Exchange(ref _scheduled, 0);
        if (_following) _ = reload();
    }

    public void Dispose()
    {
        _following = false;
        foreach (var s in _subscriptions) s.Dispose();
        _timer?.Dispose();
    }
}
