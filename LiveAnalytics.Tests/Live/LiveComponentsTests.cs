using Bunit;
using LiveAnalytics.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Live;

public sealed partial class LiveComponentsTests : BunitContext
{
    private const long SiteId = 1;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly EventHub _hub;

    public LiveComponentsTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        _hub = new EventHub(_time);
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton(_hub);
        Services.AddSingleton<LiveAnalytics.Dashboard.WorldMap>();
        Services.AddSingleton<LiveAnalytics.Dashboard.MapLand>();
    }

    private void Publish(string path, long visitor = 1, string name = "pageview") =>
        _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), visitor, path, name)));

    [Fact]
    public void The_feed_renders_pushed_events_without_being_asked()
    {
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        feed.Find("[data-testid=feed-empty]");

        Publish("/products/<b>hat</b>");

        feed.WaitForAssertion(() => Assert.Equal("/products/<b>hat</b>", feed.Find(".feed-page").TextContent));
        // Visitor-sent text is escaped, never markup: no element of it, and in text the markup shows it encoded (the
        // cell's title holds it as an attribute's value, which a browser never parses as markup).
        Assert.Empty(feed.FindAll("[data-testid=live-feed] b"));
        Assert.Contains(">/products/&lt;b&gt;hat&lt;/b&gt;<", feed.Markup);
    }

    [Fact]
    public void Clock_times_are_in_the_sites_time_zone()
    {
        var newYork = LiveClock.For("America/New_York");
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId).AddCascadingValue(newYork));
        var chart = Render<PageviewsChart>(p => p.Add(c => c.SiteId, SiteId).AddCascadingValue(newYork));
        var plain = Render<VisitorsOnline>(p => p.Add(c => c.SiteId, SiteId));

        Publish("/hats");   // at 12:00 UTC: 07:00 in New York in November

        feed.WaitForAssertion(() => Assert.Equal("07:00:00", feed.Find("[data-testid=live-feed] tbody td").TextContent));
        Assert.Equal("Time (America/New_York)", feed.Find("[data-testid=live-feed] th").TextContent);
        Assert.EndsWith("updated 07:00:00 America/New_York", feed.Find(".mud-typography-caption").TextContent.Trim());
        chart.WaitForAssertion(() => Assert.Equal("07:00 America/New_York: 1", chart.FindAll("rect title")[^1].TextContent));
        // Without a site's zone (a card on another page), UTC, and said so.
        Assert.EndsWith("updated 12:00:00 UTC", plain.Find(".mud-typography-caption").TextContent.Trim());
    }

    [Fact]
    public void Custom_events_show_with_their_revenue_as_they_come()
    {
        var card = Render<RecentEvents>(p => p.Add(c => c.SiteId, SiteId));
        Assert.Contains("None in the last 30 minutes", card.Find("[data-testid=recent-events]").TextContent);

        _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), 1, "/checkout", "Purchase") with { RevenueAmount = 1234.5m, RevenueCurrency = "EUR" }));
        Publish("/", visitor: 2, name: "<img src=x>");
        _time.Advance(RenderCoalescer.DefaultInterval);   // the second change shares the next coalesced render

        card.WaitForAssertion(() => Assert.Equal(2, card.FindAll("[data-testid=recent-events] tbody tr").Count));
        var purchase = card.FindAll("[data-testid=recent-events] tbody tr").Single(r => r.TextContent.Contains("Purchase"));
        Assert.Equal(["Purchase", "1", "1,234.50 EUR"], purchase.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        // A visitor's event name is text, never markup.
        Assert.Empty(card.FindAll("[data-testid=recent-events] img"));
        Assert.Contains("&lt;img src=x&gt;", card.Markup);
    }

    [Fact]
    public void A_click_on_a_custom_event_shows_its_rows_in_the_feed()
    {
        string? picked = null;
        var card = Render<RecentEvents>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.OnPick, (string name) => picked = name));
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        Publish("/checkout", visitor: 1, name: "Purchase");
        Publish("/hats", visitor: 2);
        _time.Advance(RenderCoalescer.DefaultInterval);

        card.WaitForAssertion(() => card.Find("[data-testid=recent-events] button.now-pick").Click());
        Assert.Equal("Purchase", picked);
        feed.WaitForAssertion(() => Assert.Equal(2, feed.FindAll("[data-testid=live-feed] tbody tr").Count));
        feed.InvokeAsync(() => feed.Instance.ShowOnly(picked!));
        feed.WaitForAssertion(() => Assert.Equal("/checkout", Assert.Single(feed.FindAll(".feed-page")).TextContent));
        Assert.Equal("Purchase", feed.Find("[data-testid=feed-filter]").GetAttribute("value"));
        // Without a listener, the names are plain text.
        var plain = Render<RecentEvents>(p => p.Add(c => c.SiteId, SiteId));
        Assert.Empty(plain.FindAll("button.now-pick"));
    }

    [Fact]
    public void A_new_sites_notice_says_what_to_do_until_the_first_event_comes()
    {
        var notice = Render<FirstVisitNotice>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Domain, "<b>shop</b>.example").Add(c => c.NeverSeen, true));
        Assert.Contains("No visit from <b>shop</b>.example yet.", notice.Find("[data-testid=first-visit]").TextContent);
        Assert.Empty(notice.FindAll("[data-testid=first-visit] b"));
        var known = Render<FirstVisitNotice>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Domain, "shop.example").Add(c => c.NeverSeen, false));
        Assert.Empty(known.FindAll("[data-testid=first-visit]"));   // a site that had visits before says nothing

        Publish("/");

        notice.WaitForAssertion(() => Assert.Empty(notice.FindAll("[data-testid=first-visit]")));
    }

    [Fact]
    public void Visitors_online_follows_the_hub()
    {
        var counter = Render<VisitorsOnline>(p => p.Add(c => c.SiteId, SiteId));
        Assert.Equal("0", counter.Find("[data-testid=visitors-online]").TextContent);
        Publish("/", visitor: 1);
        Publish("/", visitor: 2);
        _time.Advance(RenderCoalescer.DefaultInterval);   // the second change shares the next coalesced render
        counter.WaitForAssertion(() => Assert.Equal("2", counter.Find("[data-testid=visitors-online]").TextContent));
    }

    [Fact]
    public void A_burst_of_events_costs_one_render_per_interval()
    {
        var probe = Render<RenderProbe>(p => p.Add(c => c.SiteId, SiteId));
        Publish("/first");
        probe.WaitForAssertion(() => Assert.Equal(1, probe.Instance.Feed));
        var rendersAfterFirst = probe.Instance.Renders;

        for (var i = 0; i < 500; i++) Publish($"/p{i}", visitor: i);
        Assert.Equal(rendersAfterFirst, probe.Instance.Renders);   // held back until the interval passes

        _time.Advance(RenderCoalescer.DefaultInterval);
        probe.WaitForAssertion(() => Assert.Equal(LiveSnapshot.FeedSize, probe.Instance.Feed));
        Assert.Equal(rendersAfterFirst + 1, probe.Instance.Renders);
    }

    [Fact]
    public void The_chart_counts_every_pageview_of_a_burst()
    {
        var chart = Render<PageviewsChart>(p => p.Add(c => c.SiteId, SiteId));
        for (var i = 0; i < 120; i++) Publish($"/p{i}", visitor: i);
        _time.Advance(RenderCoalescer.DefaultInterval);
        chart.WaitForAssertion(() => Assert.Equal("120", chart.Find("[data-testid=pageviews-chart]").GetAttribute("data-total")));
    }

    /// <summary>A live component with no children, so every counted render is its own.</summary>
    private sealed class RenderProbe : LiveComponentBase
    {
        public int Renders { get; private set; }
        public int Feed { get; private set; }

        protected override object RenderKey(LiveSnapshot s) => s.Sequence;

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            Renders++;
            Feed = Snapshot.Feed.Count;
            builder.AddContent(0, Feed);
        }
    }

    [Fact]
    public async Task Disposing_the_components_unsubscribes_them()
    {
        Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        Render<VisitorsOnline>(p => p.Add(c => c.SiteId, SiteId));
        Assert.Equal(2, _hub.SubscriberCount(SiteId));

        await DisposeComponentsAsync();

        Assert.Equal(0, _hub.SubscriberCount(SiteId));
        Publish("/after-dispose");   // must not reach a disposed component
    }

    [Fact]
    public void Pausing_the_feed_holds_it_and_counts_what_arrives()
    {
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        Publish("/before");
        feed.WaitForAssertion(() => Assert.Single(feed.FindAll(".feed-page")));
        feed.On("[data-testid=feed-pause] button, button[data-testid=feed-pause]", e => e.Click());

        for (var i = 0; i < 12; i++) Publish($"/while-paused-{i}", visitor: i);
        _time.Advance(RenderCoalescer.DefaultInterval);
        feed.WaitForAssertion(() => Assert.Contains("12 new while paused", feed.Find("[data-testid=feed-resume]").TextContent));
        Assert.Equal(["/before"], feed.FindAll(".feed-page").Select(c => c.TextContent));

        feed.On("[data-testid=feed-resume] button, button[data-testid=feed-resume]", e => e.Click());
        Assert.Equal(13, feed.FindAll(".feed-page").Count);
        Assert.Equal("/while-paused-11", feed.FindAll(".feed-page")[0].TextContent);
    }

    [Fact]
    public void The_feed_filter_keeps_matching_events()
    {
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        Publish("/hats");
        Publish("/shoes", name: "Add to cart");
        _time.Advance(RenderCoalescer.DefaultInterval);
        feed.WaitForAssertion(() => Assert.Equal(2, feed.FindAll(".feed-page").Count));
        feed.On("[data-testid=feed-filter] input, input[data-testid=feed-filter]", e => e.Input("CART"));
        feed.WaitForAssertion(() => Assert.Equal(["/shoes"], feed.FindAll(".feed-page").Select(c => c.TextContent)));
        feed.On("[data-testid=feed-filter] input, input[data-testid=feed-filter]", e => e.Input("nothing-like-this"));
        feed.WaitForAssertion(() => feed.Find("[data-testid=feed-no-match]"));
    }

    [Fact]
    public void The_feed_names_a_visits_channel_beside_its_source_and_filters_by_it()
    {
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), 1, "/hats") with
        {
            Source = "Google", Medium = "paid", Channel = "Paid Search",
        }));
        Publish("/shoes", visitor: 2);
        _time.Advance(RenderCoalescer.DefaultInterval);
        feed.WaitForAssertion(() => Assert.Equal(2, feed.FindAll(".feed-page").Count));
        Assert.Contains(feed.FindAll("td[title]"), td => td.GetAttribute("title") == "Google · Paid Search" && td.TextContent == "Google");
        feed.On("[data-testid=feed-filter] input, input[data-testid=feed-filter]", e => e.Input("paid search"));
        feed.WaitForAssertion(() => Assert.Equal(["/hats"], feed.FindAll(".feed-page").Select(c => c.TextContent)));
    }

    [Fact]
    public void The_feed_shows_an_events_properties_and_revenue_escaped_and_filters_by_them()
    {
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), 1, "/checkout", "Purchase") with
        {
            Props = """{"plan":"<i>pro</i>","coupon":"AUTUMN"}""", RevenueAmount = 49.5m, RevenueCurrency = "EUR",
        }));
        Publish("/hats");
        _time.Advance(RenderCoalescer.DefaultInterval);
        feed.WaitForAssertion(() => Assert.Equal(2, feed.FindAll(".feed-page").Count));
        Assert.Equal(["plan: <i>pro</i> · coupon: AUTUMN · 49.50 EUR"], feed.FindAll(".feed-details").Select(d => d.TextContent));
        Assert.Empty(feed.FindAll("[data-testid=live-feed] i"));   // a visitor's value is text, never markup
        feed.On("input[data-testid=feed-filter]", e => e.Input("autumn"));
        feed.WaitForAssertion(() => Assert.Equal(["/checkout"], feed.FindAll(".feed-page").Select(c => c.TextContent)));
    }

    [Fact]
    public void Following_a_visitor_shows_their_journey_as_it_grows()
    {
        var journey = Render<VisitorJourney>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.VisitorId, 42));
        journey.Find("[data-testid=journey-gone]");
        _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), 42, "/") with { Country = "GB", City = "<u>London</u>" }));
        Publish("/elsewhere", visitor: 7);
        journey.WaitForAssertion(() => Assert.Single(journey.FindAll(".journey-step")));
        _time.Advance(RenderCoalescer.DefaultInterval);
        Publish("/hats", visitor: 42);
        _time.Advance(RenderCoalescer.DefaultInterval);
        journey.WaitForAssertion(() => Assert.Equal(2, journey.FindAll(".journey-step").Count));
        Assert.Contains("/hats", journey.FindAll(".journey-step")[0].TextContent);   // newest first
        Assert.DoesNotContain("/elsewhere", journey.Markup);
        Assert.Contains("<u>London</u>, United Kingdom", journey.Find("[data-testid=journey]").TextContent);   // as text, never markup
        Assert.Empty(journey.FindAll("[data-testid=journey] u"));
    }

    [Fact]
    public async Task Follow_on_a_feed_row_names_that_rows_visitor()
    {
        long? followed = null;
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.OnFollow, (long v) => followed = v));
        Publish("/a", visitor: 7);
        _time.Advance(RenderCoalescer.DefaultInterval);
        Publish("/b", visitor: 8);
        _time.Advance(RenderCoalescer.DefaultInterval);
        feed.WaitForAssertion(() => Assert.Equal(2, feed.FindAll("button.feed-follow").Count));
        // Awaited: a render on the renderer's thread may hold the click's dispatch back past a plain Click().
        await feed.FindAll("button.feed-follow")[1].ClickAsync(new());   // newest first: the second row is visitor 7's
        Assert.Equal(7, followed);
    }

    [Fact]
    public void A_drop_noticed_by_another_reader_still_reaches_the_counter()
    {
        var counter = Render<VisitorsOnline>(p => p.Add(c => c.SiteId, SiteId));
        Publish("/", visitor: 1);
        Publish("/", visitor: 2);
        _time.Advance(RenderCoalescer.DefaultInterval);
        counter.WaitForAssertion(() => Assert.Equal("2", counter.Find("[data-testid=visitors-online]").TextContent));

        _time.Advance(TimeSpan.FromMilliseconds(400));
        Publish("/", visitor: 1, name: "leave");
        // The grace ends between two ticks of the expiry timer, and another reader (the page's
        // freshness label, a widget) takes a snapshot first: that reader must announce the drop.
        // (FakeTimeProvider runs due timers at the time advanced to: step so no tick falls after the grace.)
        _time.Advance(LiveSnapshot.LeaveGrace - TimeSpan.FromMilliseconds(100));   // ticks run, grace not over
        _time.Advance(TimeSpan.FromMilliseconds(200));                             // grace over, no tick due
        _hub.Snapshot(SiteId);
        counter.WaitForAssertion(() => Assert.Equal("1", counter.Find("[data-testid=visitors-online]").TextContent));
    }
}
