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
    public void Keeps_the_latest_events_newest_first()
    {
        var state = new SiteLiveState();
        const int sent = LiveSnapshot.FeedSize + 10;
        for (var i = 0; i < sent; i++) state.Apply(Event(T0.AddSeconds(i), i, $"/p{i}"));
        var feed = state.Snapshot(T0.AddMinutes(3)).Feed;
        Assert.Equal(LiveSnapshot.FeedSize, feed.Count);
        Assert.Equal($"/p{sent - 1}", feed[0].Pathname);
        Assert.Equal("/p10", feed[^1].Pathname);
    }

    [Fact]
    public void Counts_custom_events_and_their_revenue_over_thirty_minutes()
    {
        var state = new SiteLiveState();
        TrackedEvent Sale(DateTimeOffset at, long visitor, decimal? amount, string? currency = "EUR", string name = "Purchase") =>
            Event(at, visitor, "/checkout", name) with { RevenueAmount = amount, RevenueCurrency = amount is null ? null : currency };
        state.Apply(Sale(T0.AddMinutes(-31), 1, 99m));                  // before the window
        var first = Sale(T0.AddMinutes(-20), 2, 49.90m);
        state.Apply(first);
        Assert.False(state.Apply(first));                              // resent: counted once
        state.Apply(Sale(T0.AddMinutes(-1), 3, 10.05m));
        state.Apply(Sale(T0, 4, 20m, "USD"));
        state.Apply(Sale(T0, 5, null, name: "Add to cart"));
        state.Apply(Sale(T0, 6, null, name: "Add to cart"));
        state.Apply(Sale(T0, 7, null, name: "Add to cart"));
        state.Apply(Event(T0, 8, "/"));                                // pageviews and leaves are not custom events
        state.Apply(Event(T0, 8, "/", TrackedEvent.Leave));

        var events = state.Snapshot(T0).RecentEvents;
        Assert.Equal(["Add to cart", "Purchase"], events.Select(e => e.Name));
        Assert.Equal([3, 3], events.Select(e => e.Events));
        Assert.Empty(events[0].Revenue);
        Assert.Equal([new Money(59.95m, "EUR"), new Money(20m, "USD")], events[1].Revenue);
        Assert.Equal("59.95 EUR", events[1].Revenue[0].ToString());

        // Ten and a half minutes on, the first purchase has left the window.
        var later = state.Snapshot(T0.AddMinutes(10.5)).RecentEvents;
        Assert.Equal([new Money(10.05m, "EUR"), new Money(20m, "USD")], later.Single(e => e.Name == "Purchase").Revenue);
        Assert.Empty(state.Snapshot(T0.AddMinutes(31)).RecentEvents);
    }

    [Fact]
    public void The_stream_counters_are_due_again_when_an_event_leaves_the_window()
    {
        var state = new SiteLiveState();
        state.Apply(Event(T0, visitor: 1, "/checkout", "Purchase"));
        state.Apply(Event(T0.AddMinutes(28), visitor: 2, "/"));
        var before = state.Snapshot(T0.AddMinutes(29));
        var after = state.Snapshot(T0.AddMinutes(31));   // no new event; the purchase is over 30 minutes old
        Assert.Equal((before.Sequence, before.VisitorsOnline), (after.Sequence, after.VisitorsOnline));
        Assert.Empty(after.RecentEvents);
        Assert.NotEqual(LiveAnalytics.Live.Streaming.PublicCounters.KeyOf(before), LiveAnalytics.Live.Streaming.PublicCounters.KeyOf(after));
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

    [Fact]
    public void Takes_a_resent_event_in_once()
    {
        var state = new SiteLiveState();
        var cart = Event(T0.AddSeconds(-20), 1, "/cart");
        state.Apply(cart);
        state.Apply(Event(T0.AddSeconds(-10), 1, "/checkout"));
        // The tracker's resend: the same id, stamped when it arrived again.
        Assert.False(state.Apply(cart with { Timestamp = T0 }));
        var snapshot = state.Snapshot(T0);
        Assert.Equal(["/checkout", "/cart"], snapshot.Feed.Select(f => f.Pathname));
        Assert.Equal(2, snapshot.PageviewsPerMinute.Sum(m => m.Pageviews));
        Assert.Equal("/checkout", Assert.Single(snapshot.Pages).Value);
    }

    private static TrackedEvent From(DateTimeOffset at, long visitor, string path, string? source, string? medium, string? country = null, string? device = null) =>
        Event(at, visitor, path) with
        {
            Source = source, Medium = medium, Country = country, Device = device,
            Channel = medium switch { "search" => "Organic Search", "social" => "Organic Social", "direct" => "Direct", _ => null },
        };

    [Fact]
    public void Counts_what_online_visitors_look_at_now_by_their_latest_page()
    {
        var state = new SiteLiveState();
        state.Apply(Event(T0, 1, "/"));
        state.Apply(Event(T0, 2, "/"));
        state.Apply(Event(T0, 3, "/hats"));
        state.Apply(Event(T0.AddSeconds(5), 1, "/hats"));          // visitor 1 moved on
        state.Apply(Event(T0.AddSeconds(6), 1, "/hats", "Signup")); // a custom event on the same page
        var pages = state.Snapshot(T0.AddSeconds(10)).Pages;
        Assert.Equal([new RankedCount("/hats", 2), new RankedCount("/", 1)], pages);
    }

    [Fact]
    public void Sources_countries_and_devices_now_follow_each_visit()
    {
        var state = new SiteLiveState();
        state.Apply(From(T0, 1, "/", "Google", "search", "DE", "desktop"));
        state.Apply(From(T0.AddSeconds(1), 1, "/hats", null, null));   // internal navigation keeps the visit's source
        state.Apply(From(T0, 2, "/", null, "direct", null, "mobile"));
        state.Apply(From(T0, 3, "/", "Google", "search", "FR", "mobile"));
        var now = state.Snapshot(T0.AddSeconds(2));
        Assert.Equal([new RankedCount("Google", 2), new RankedCount("Direct", 1)], now.Sources);
        Assert.Equal([new RankedCount("DE", 1), new RankedCount("FR", 1), new RankedCount("Unknown", 1)], now.Countries);
        Assert.Equal([new RankedCount("mobile", 2), new RankedCount("desktop", 1)], now.Devices);

        // Five minutes later visitor 1 (last seen a second after the others) is the only one left.
        now = state.Snapshot(T0.AddMinutes(5).AddMilliseconds(500));
        Assert.Equal(1, now.VisitorsOnline);
        Assert.Equal([new RankedCount("Google", 1)], now.Sources);
        Assert.Equal([new RankedCount("/hats", 1)], now.Pages);
    }

    [Fact]
    public void A_visit_keeps_its_first_events_source_as_the_history_counts_it()
    {
        var state = new SiteLiveState();
        state.Apply(From(T0, 1, "/", "Google", "search"));
        // The same visit: a server's webhook (no referrer: direct), a page sent without one, a click from another site.
        state.Apply(From(T0.AddSeconds(5), 1, "/thanks", null, "direct") with { Name = "Purchase" });
        state.Apply(From(T0.AddSeconds(6), 1, "/account", null, "direct"));
        state.Apply(From(T0.AddSeconds(7), 1, "/blog", "Reddit", "social"));
        var now = state.Snapshot(T0.AddSeconds(8));
        Assert.Equal([new RankedCount("Google", 1)], now.Sources);
        Assert.Equal([new RankedCount("Organic Search", 1)], now.Channels);
        Assert.All(now.Feed, item => Assert.Equal("Google", item.Source));
        Assert.Equal("Google", state.Journey(1, T0.AddSeconds(8))!.Source);

        // Six quiet minutes drop them from "online"; a click within the visit brings them back from the same source.
        Assert.Empty(state.Snapshot(T0.AddMinutes(6)).Sources);
        state.Apply(From(T0.AddMinutes(7), 1, "/cart", null, null));
        Assert.Equal([new RankedCount("Google", 1)], state.Snapshot(T0.AddMinutes(7)).Sources);
        Assert.Equal([new RankedCount("Organic Search", 1)], state.Snapshot(T0.AddMinutes(7)).Channels);

        // Their next visit (a new session) has a source of its own, as does a new visitor arriving by a link inside the store.
        state.Apply(From(T0.AddMinutes(40), 1, "/", "Bing", "search") with { SessionId = 2 });
        state.Apply(From(T0.AddMinutes(40), 3, "/hats", null, null));
        Assert.Equal([new RankedCount("Bing", 1), new RankedCount("Direct", 1)], state.Snapshot(T0.AddMinutes(40)).Sources);
        Assert.Equal([new RankedCount("Direct", 1), new RankedCount("Organic Search", 1)], state.Snapshot(T0.AddMinutes(40)).Channels);
        Assert.Equal(["Direct", "Bing"], state.Snapshot(T0.AddMinutes(40)).Feed.Take(2).Select(f => f.Source));
    }

    [Fact]
    public void A_leave_drops_the_visitor_after_the_grace_unless_they_come_back()
    {
        var state = new SiteLiveState();
        state.Apply(Event(T0, 1, "/"));
        state.Apply(Event(T0, 2, "/"));
        state.Apply(Event(T0.AddSeconds(10), 1, "/", TrackedEvent.Leave));
        state.Apply(Event(T0.AddSeconds(10), 2, "/", TrackedEvent.Leave));
        state.Apply(Event(T0.AddSeconds(10.5), 2, "/next"));       // visitor 2 only moved to the next page
        Assert.Equal(2, state.Snapshot(T0.AddSeconds(11)).VisitorsOnline);   // within the grace nobody flickers
        var after = state.Snapshot(T0.AddSeconds(10) + LiveSnapshot.LeaveGrace);
        Assert.Equal(1, after.VisitorsOnline);
        Assert.Equal([new RankedCount("/next", 1)], after.Pages);
        Assert.Equal(3, after.Feed.Count);                         // leaves are not feed items
        Assert.Equal(3, after.Sequence);
    }

    [Fact]
    public void A_journey_lists_one_visitors_steps_in_order()
    {
        var state = new SiteLiveState();
        state.Apply(From(T0, 7, "/", "Reddit", "social", "DE", "mobile") with { City = "Munich" });
        state.Apply(Event(T0, 8, "/other"));
        state.Apply(Event(T0.AddSeconds(3), 7, "/hats"));
        state.Apply(Event(T0.AddSeconds(9), 7, "/hats", "Add to cart"));   // a server's event, without the visitor's place: kept
        var journey = state.Journey(7, T0.AddSeconds(10));
        Assert.NotNull(journey);
        Assert.True(journey.Online);
        Assert.Equal(("Reddit", "DE", "Munich", "mobile"), (journey.Source, journey.Country, journey.City, journey.Device));
        Assert.Null(state.Journey(8, T0.AddSeconds(10))!.City);
        Assert.Equal(["/", "/hats", "/hats"], journey.Steps.Select(s => s.Pathname));
        Assert.Equal("Add to cart", journey.Steps[^1].Name);
        Assert.Null(state.Journey(7, T0.AddMinutes(6)));
    }

    [Fact]
    public void A_journey_keeps_the_last_thirty_steps_oldest_first()
    {
        var state = new SiteLiveState();
        for (var i = 0; i < 75; i++) state.Apply(Event(T0.AddSeconds(i), 7, $"/p{i}"));
        var journey = state.Journey(7, T0.AddSeconds(80));
        Assert.NotNull(journey);
        Assert.Equal(Enumerable.Range(45, 30).Select(i => $"/p{i}"), journey.Steps.Select(s => s.Pathname));
        Assert.Equal(T0.AddSeconds(74), journey.Steps[^1].Timestamp);
    }

    [Fact]
    public void What_the_state_keeps_shares_one_copy_of_each_value()
    {
        var state = new SiteLiveState();
        // Two events parsed apart carry equal strings that are different objects.
        state.Apply(Event(T0, 7, new string("/hats".AsSpan())));
        state.Apply(Event(T0.AddSeconds(1), 8, new string("/hats".AsSpan())));
        var (first, second) = (state.Journey(7, T0.AddSeconds(2))!.Steps[0], state.Journey(8, T0.AddSeconds(2))!.Steps[0]);
        Assert.Same(first.Pathname, second.Pathname);
        Assert.Same(first.Name, second.Name);
    }

    [Fact]
    public void The_string_pool_hands_out_one_instance_per_value_and_stays_bounded()
    {
        var pool = new StringPool();
        var hats = pool.Get(new string("/hats".AsSpan()));
        Assert.Same(hats, pool.Get(new string("/hats".AsSpan())));
        for (var i = 0; i < StringPool.MaxStrings + 10; i++) pool.Get($"/p{i}");
        Assert.InRange(pool.Count, 1, StringPool.MaxStrings);
        // Started afresh: a new copy is pooled again, and the old one is still a valid value.
        Assert.Equal("/hats", pool.Get(new string("/hats".AsSpan())));
        Assert.Null(pool.GetOrNull(null));
    }
}
