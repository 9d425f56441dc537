using Bunit;
using LiveAnalytics.Live;

namespace LiveAnalytics.Tests.Live;

// The "right now" cards.
public sealed partial class LiveComponentsTests
{
    [Fact]
    public void A_card_does_not_redraw_when_its_part_did_not_change()
    {
        var counter = Render<VisitorsOnline>(p => p.Add(c => c.SiteId, SiteId));
        var pages = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Pages));
        Publish("/", visitor: 1);
        counter.WaitForAssertion(() => Assert.Equal("1", counter.Find("[data-testid=visitors-online]").TextContent));
        pages.WaitForAssertion(() => Assert.Contains("/", pages.Find("td.now-value").TextContent));
        var (counterRenders, pageRenders) = (counter.RenderCount, pages.RenderCount);

        _time.Advance(RenderCoalescer.DefaultInterval);
        Publish("/hats", visitor: 1);   // the same visitor moves on: the count stays, the pages change
        pages.WaitForAssertion(() => Assert.Contains("/hats", pages.Find("td.now-value").TextContent));
        Assert.True(pages.RenderCount > pageRenders);
        Assert.Equal(counterRenders, counter.RenderCount);
    }

    [Fact]
    public void The_channels_card_counts_the_visits_online_by_their_channel()
    {
        var channels = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Channels));
        Assert.Contains("Channels now", channels.Markup);
        foreach (var (visitor, channel) in new[] { (1L, "Paid Social"), (2L, "Paid Social"), (3L, "Email") })
            _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), visitor, "/") with { Medium = "paid", Channel = channel }));
        _time.Advance(RenderCoalescer.DefaultInterval);   // past the first render's coalescing interval
        channels.WaitForAssertion(() => Assert.Equal(["Paid Social 2", "Email 1"],
            channels.FindAll("tbody tr").Select(r => $"{r.QuerySelector(".now-value")!.TextContent.Trim()} {r.QuerySelector(".now-count")!.TextContent}")));
        // A screen reader hears what the columns are (the headers are not shown: the title and bars say it).
        Assert.Equal(["Channel", "Visitors online"], channels.FindAll("thead.sr-only th").Select(th => th.TextContent));
    }

    [Fact]
    public void The_map_shades_every_country_online_and_follows_the_visitors_as_they_come_and_go()
    {
        var map = Render<LiveMap>(p => p.Add(c => c.SiteId, SiteId));
        Assert.StartsWith("Nobody online right now", map.Find("[data-testid=now-map-caption]").TextContent.Trim());
        // The world, unshaded, from the file the browser keeps.
        Assert.Matches(@"^/map/land\.svg\?v=[0-9a-f]{16}#land$", map.Find("use[data-testid=map-land]").GetAttribute("href"));
        Assert.Empty(map.FindAll("path.map-country"));

        // Eleven countries and one visitor no database places: more than the "Countries now" list's ten rows.
        string?[] countries = ["DE", "DE", "DE", "DE", "FR", "US", "JP", "BR", "AU", "ZA", "CA", "IT", "ES", "MX", null];
        for (var i = 0; i < countries.Length; i++)
            _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), i + 1, "/") with { Country = countries[i] }));
        _time.Advance(RenderCoalescer.DefaultInterval);

        map.WaitForAssertion(() => Assert.Contains("map-shade-5", Country(map, "DE").ClassName));
        // South Africa comes last of the ranked values (after "Unknown"), past the list's ten; √(1/4) of the busiest: the middle step.
        Assert.Contains("map-shade-3", Country(map, "ZA").ClassName);
        Assert.Equal("South Africa (ZA): 1 visitor online", Country(map, "ZA").QuerySelector("title")!.TextContent);
        Assert.Equal("Germany (DE): 4 visitors online", Country(map, "DE").QuerySelector("title")!.TextContent);
        Assert.Empty(map.FindAll("path.map-country[data-country=GB]"));   // nobody from there: land only
        Assert.StartsWith("14 visitors online in 11 countries · 1 from an unknown place", map.Find("[data-testid=now-map-caption]").TextContent.Trim());
        Assert.Equal("Map of the visitors online by country; most from Germany (DE) 4, Australia (AU) 1, Brazil (BR) 1", map.Find("svg").GetAttribute("aria-label"));
        Assert.Empty(map.FindAll("path.clickable"));   // nothing to filter on the live page

        // Past the online window everyone has gone; a visitor from France arrives.
        _time.Advance(LiveSnapshot.OnlineWindow);
        _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), 99, "/") with { Country = "FR" }));
        _time.Advance(RenderCoalescer.DefaultInterval);   // the window's expiry rendered just now: the arrival is the next render
        map.WaitForAssertion(() => Assert.Contains("map-shade-5", Country(map, "FR").ClassName));
        Assert.Equal(["FR"], map.FindAll("path.map-country").Select(p => p.GetAttribute("data-country")));
        Assert.StartsWith("1 visitor online in 1 country ·", map.Find("[data-testid=now-map-caption]").TextContent.Trim());
    }

    private static AngleSharp.Dom.IElement Country(IRenderedComponent<LiveMap> map, string code) => map.Find($"path.map-country[data-country={code}]");
}
