using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Live;

/// <summary>
/// One site's live numbers, kept in memory and fed in stream order. The "now" breakdowns (pages,
/// sources, channels, countries, devices) are counted incrementally as visitors come, move and go, so a
/// snapshot costs a sort of the distinct values, not a walk of every event. Not thread-safe by
/// itself: the <see cref="EventHub"/> serialises access with the lock it holds per site.
/// </summary>
internal sealed partial class SiteLiveState
{
    private const int JourneySteps = 30;
    private readonly StringPool _strings = new();
    private readonly Dictionary<long, Visitor> _visitors = [];
    private readonly Tally _pages = new(), _sources = new(), _channels = new(), _countries = new(), _devices = new();
    private readonly Queue<FeedItem> _feed = new(LiveSnapshot.FeedSize);
    private readonly Dictionary<long, int> _pageviewsByMinute = [];
    // Custom events by minute and name, with their revenue: a store's sales as they happen. Few beside pageviews.
    private readonly Dictionary<long, Dictionary<string, EventTotal>> _eventsByMinute = [];
    // Where visits that dropped out of "online" came from, while they may still go on (the session timeout, as long as
    // the live window): a visitor back after six quiet minutes is the same visit, from the same source and channel.
    private readonly Dictionary<long, (long Session, string Source, string Channel, DateTimeOffset LastSeen)> _quietVisits = [];

    public DateTimeOffset LastEventAt { get; private set; }
    /// <summary>Events taken in that the feed shows (every event but "leave").</summary>
    public long Sequence { get; private set; }

    /// <returns>False for a resent event taken in already: nobody is told of it again.</returns>
    public bool Apply(TrackedEvent e, string streamId = "")
    {
        // The tracker resends a beacon whose answer it lost with the id it was first sent with; that one was taken in
        // already if it arrived (its visitor's journey holds as many steps as the tracker's retry queue holds beacons).
        if (_visitors.TryGetValue(e.VisitorId, out var known) && known.Steps.Contains(e.Id)) return false;
        // Visitors and their journeys live for minutes: the strings they hold are pooled, so what this state
        // keeps refers to a few long-lived strings, not to each event's young copies (see StringPool).
        var name = _strings.Get(e.Name);
        var path = _strings.Get(e.Pathname);
        var (source, channel) = (_strings.Get(SourceOf(e)), _strings.Get(ChannelOf(e)));
        var country = _strings.GetOrNull(e.Country);
        var device = _strings.GetOrNull(e.Device);
        var browser = _strings.GetOrNull(e.Browser);
        var visitor = Track(e, new JourneyStep(e.Id, e.Timestamp, name, path), source, channel, country, device, browser);
        visitor.City = _strings.GetOrNull(e.City) ?? visitor.City;
        // A leave changes nothing shown until its grace passes (then Expire reports it), so it is not counted.
        if (!e.IsLeave)
        {
            Sequence++;
            if (_feed.Count == LiveSnapshot.FeedSize) _feed.Dequeue();
            // The visit's source, as the Sources card and the history count it: a later pageview's own is the store.
            _feed.Enqueue(new FeedItem(streamId, e.Id, e.Timestamp, name, path, visitor.Source, e.Medium,
                e.VisitorId, country, device, browser, e.Props, e.RevenueAmount, e.RevenueCurrency) { Channel = visitor.Channel });
        }
        if (e.IsPageview)
        {
            var minute = MinuteOf(e.Timestamp);
            _pageviewsByMinute[minute] = _pageviewsByMinute.GetValueOrDefault(minute) + 1;
        }
        else if (!e.IsLeave) CountEvent(e, name);
        if (e.Timestamp > LastEventAt) LastEventAt = e.Timestamp;
        return true;
    }

    private void CountEvent(TrackedEvent e, string name)
    {
        var minute = MinuteOf(e.Timestamp);
        if (!_eventsByMinute.TryGetValue(minute, out var names)) _eventsByMinute[minute] = names = new(StringComparer.Ordinal);
        if (!names.TryGetValue(name, out var total)) names[name] = total = new EventTotal();
        total.Add(e.RevenueAmount, e.RevenueCurrency);
    }

    private Visitor Track(TrackedEvent e, JourneyStep step, string source, string channel, string? country, string? device, string? browser)
    {
        if (!_visitors.TryGetValue(e.VisitorId, out var v))
        {
            if (_quietVisits.Remove(e.VisitorId, out var quiet) && quiet.Session == e.SessionId) (source, channel) = (quiet.Source, quiet.Channel);
            v = new Visitor
            {
                LastSeen = e.Timestamp, Session = e.SessionId, Page = step.Pathname, Source = source, Channel = channel, Country = country,
                Device = device, Browser = browser,
            };
            _visitors[e.VisitorId] = v;
            Count(v, +1);
        }
        else if (e.Timestamp >= v.LastSeen)
        {
            v.LastSeen = e.Timestamp;
            if (!e.IsLeave) { Move(_pages, ref v.Page, step.Pathname); v.LeftAt = null; }
            // Most events change none of these: the tallies are touched only when one does. A visit's source is its
            // first event's, as the rollups count it: the visit's later events (internal navigation, a server's
            // webhook, a page sending no referrer) keep it; the visitor's next visit has its own.
            if (e.SessionId != v.Session)
            {
                v.Session = e.SessionId;
                Move(_sources, ref v.Source, source);
                Move(_channels, ref v.Channel, channel);
            }
            if (country is not null && country != v.Country) { _countries.Add(v.Country ?? "Unknown", -1); _countries.Add(v.Country = country, +1); }
            if (device is not null && device != v.Device) { _devices.Add(v.Device ?? "Unknown", -1); _devices.Add(v.Device = device, +1); }
            v.Browser = browser ?? v.Browser;
        }
        if (e.IsLeave && e.Timestamp >= v.LastSeen) v.LeftAt = e.Timestamp;
        v.Steps.Add(step);
        return v;
    }

    private static void Move(Tally tally, ref string current, string next)
    {
        if (string.Equals(current, next, StringComparison.Ordinal)) return;
        tally.Add(current, -1);
        tally.Add(current = next, +1);
    }

    // Where a visit whose first event this is arrived from: internal navigation (no medium: a tab left open past the
    // session timeout) starts a direct one.
    private static string SourceOf(TrackedEvent e) => e.Medium is null ? "Direct" : e.Source ?? "Direct";

    // Likewise its channel; "(not set)" for an event of a node older than channels, as the history calls it.
    private static string ChannelOf(TrackedEvent e) => e.Medium is null ? "Direct" : e.Channel ?? "(not set)";

    private void Count(Visitor v, int delta)
    {
        _pages.Add(v.Page, delta);
        _sources.Add(v.Source, delta);
        _channels.Add(v.Channel, delta);
        _countries.Add(v.Country ?? "Unknown", delta);
        _devices.Add(v.Device ?? "Unknown", delta);
    }

    /// <summary>Drops what has left every window; returns whether anything shown changed.</summary>
    public bool Expire(DateTimeOffset now)
    {
        var changed = false;
        var onlineSince = now - LiveSnapshot.OnlineWindow;
        foreach (var (id, v) in _visitors)
        {
            if (v.LastSeen >= onlineSince && !(v.LeftAt is { } left && left + LiveSnapshot.LeaveGrace <= now)) continue;
            Count(v, -1);
            _visitors.Remove(id);
            _quietVisits[id] = (v.Session, v.Source, v.Channel, v.LastSeen);
            changed = true;
        }
        var visitsOver = now - LiveSnapshot.ChartWindow;
        foreach (var (id, quiet) in _quietVisits)
            if (quiet.LastSeen < visitsOver) _quietVisits.Remove(id);
        var firstMinute = MinuteOf(now - LiveSnapshot.ChartWindow);
        foreach (var minute in _pageviewsByMinute.Keys)
            if (minute <= firstMinute) changed |= _pageviewsByMinute.Remove(minute);
        foreach (var minute in _eventsByMinute.Keys)
            if (minute <= firstMinute) changed |= _eventsByMinute.Remove(minute);
        return changed;
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
        var countries = _countries.Top(int.MaxValue);
        return new LiveSnapshot(now, Sequence, Sequence == 0 ? null : LastEventAt, _visitors.Count,
            _pages.Top(), _sources.Top(), countries[..Math.Min(countries.Length, LiveSnapshot.TopSize)], _devices.Top(), _feed.Reverse().ToArray(), minutes,
            RecentEvents()) { Channels = _channels.Top(), EveryCountry = countries };
    }

    private RecentEvent[] RecentEvents()
    {
        if (_eventsByMinute.Count == 0) return [];
        var all = new Dictionary<string, EventTotal>(StringComparer.Ordinal);
        foreach (var names in _eventsByMinute.Values)
            foreach (var (name, total) in names)
            {
                if (!all.TryGetValue(name, out var sum)) all[name] = sum = new EventTotal();
                sum.Add(total);
            }
        return all.OrderByDescending(n => n.Value.Events).ThenBy(n => n.Key, StringComparer.Ordinal).Take(LiveSnapshot.TopSize)
            .Select(n => new RecentEvent(n.Key, n.Value.Events, n.Value.Revenue())).ToArray();
    }

    public Journey? Journey(long visitorId, DateTimeOffset now)
    {
        Expire(now);
        return _visitors.TryGetValue(visitorId, out var v)
            ? new Journey(visitorId, v.LeftAt is null, v.Source, v.Country, v.Device, v.Browser, v.Steps.ToArray()) { City = v.City }
            : null;
    }

    /// <summary>Custom events named <paramref name="name"/> in the last <see cref="LiveSnapshot.ChartWindow"/>.</summary>
    public int EventsOf(string name, DateTimeOffset now)
    {
        var firstMinute = MinuteOf(now - LiveSnapshot.ChartWindow);
        var events = 0;
        foreach (var (minute, names) in _eventsByMinute)
            if (minute > firstMinute && names.TryGetValue(name, out var total)) events += total.Events;
        return events;
    }

    /// <summary>Visitors online whose latest page is <paramref name="page"/>.</summary>
    public int ViewersOf(string page) => _pages.Of(page);

    public bool IsIdle(DateTimeOffset now) => LastEventAt < now - LiveSnapshot.ChartWindow;

    private static long MinuteOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60;

    private sealed class Visitor
    {
        public required DateTimeOffset LastSeen;
        public required long Session;
        public DateTimeOffset? LeftAt;
        public required string Page;
        public required string Source;
        public required string Channel;
        public string? Country, City, Device, Browser;
        public readonly StepRing Steps = new();
    }

    /// <summary>
    /// A visitor's last <see cref="JourneySteps"/> steps as values in one array, oldest overwritten: tens of
    /// thousands of visitors online then cost the collector one array each, not an object per step.
    /// </summary>
    private sealed class StepRing
    {
        private JourneyStep[] _items = new JourneyStep[4];
        private int _start, _count;

        public void Add(JourneyStep step)
        {
            if (_count == _items.Length && _count < JourneySteps)
            {
                var grown = new JourneyStep[Math.Min(JourneySteps, _items.Length * 2)];
                for (var i = 0; i < _count; i++) grown[i] = _items[(_start + i) % _items.Length];
                (_items, _start) = (grown, 0);
            }
            if (_count < _items.Length) _items[(_start + _count++) % _items.Length] = step;
            else
            {
                _items[_start] = step;
                _start = (_start + 1) % _items.Length;
            }
        }

        public bool Contains(Guid id)
        {
            for (var i = 0; i < _count; i++)
                if (_items[i].Id == id) return true;
            return false;
        }

        public JourneyStep[] ToArray()
        {
            var steps = new JourneyStep[_count];
            for (var i = 0; i < _count; i++) steps[i] = _items[(_start + i) % _items.Length];
            return steps;
        }
    }
}
