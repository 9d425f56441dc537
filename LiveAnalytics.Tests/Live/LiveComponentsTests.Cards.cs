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
            channels.FindAll("tr").Select(r => $"{r.QuerySelector(".now-value")!.TextContent.Trim()} {r.QuerySelector(".now-count")!.TextContent}")));
    }
}
