using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Live;

public sealed class SiteLiveStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 30, TimeSpan.Zero);

    internal static TrackedEvent Event(DateTimeOffset at, long visitor, string path = "/", string name = TrackedEvent.Pageview) =>
        TestData.Event(1, at, visitor, path, name);

    [Fact]
    public void Counts_distinct_visitors_within_five_minutes()
    {
        var state = new SiteLiveState();
        state.Apply(Event(T0.AddMinutes(-6), visitor: 1));
        state.Apply(Event(T0.AddMinutes(-4), visitor: 2));
        state.Apply(Event(T0.AddMinutes(-1), visitor: 2));
        state.Apply(Event(T0, visitor: 3));
        Assert.Equal(2, state.Snapshot(T0).VisitorsOnline);
        Assert.Equal(1, state.Snapshot(T0.AddMinutes(4.5)).VisitorsOnline);
    }

    [Fact]
    public void Keeps_the_latest_fifty_events_newest_first()
    {
        var state = new SiteLiveState();
        for (var i = 0; i < 60; i++) state.Apply(Event(T0.AddSeconds(i), i, $"/p{i}"));
        var feed = state.Snapshot(T0.AddMinutes(1)).Feed;
        Assert.Equal(LiveSnapshot.FeedSize, feed.Count);
        Assert.Equal("/p59", feed[0].Pathname);
        Assert.Equal("/p10", feed[^1].Pathname);
    }

    [Fact]
    public void Buckets_pageviews_per_minute_over_thirty_minutes()
    {
        var state = new SiteLiveState();
        state.Apply(Event(T0.AddMinutes(-31), 1));
        state.Apply(Event(T0.AddMinutes(-2), 1));
        state.Apply(Event(T0.AddMinutes(-2).AddSeconds(5), 2));
        state.Apply(Event(T0, 3));
        state.Apply(Event(T0, 3, name: "Signup"));
        var minutes = state.Snapshot(T0).PageviewsPerMinute;
        Assert.Equal(30, minutes.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), minutes[^1].Minute);
        Assert.Equal(1, minutes[^1].Pageviews);
        Assert.Equal(2, minutes[^3].Pageviews);
        Assert.Equal(3, minutes.Sum(m => m.Pageviews));
    }
}
