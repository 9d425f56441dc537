#pragma warning disable BL0006   // the render tree's frames are what an open page keeps: counted here on purpose
using Bunit;
using LiveAnalytics.Live;
using System.Reflection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.RenderTree;

namespace LiveAnalytics.Tests.Live;

// What an open live page keeps: each component holds two render trees (the one shown and the one before) whose
// buffers grow by doubling, 40 bytes a frame. A busy site's cards within these counts keep ~50 KB a page where a frame
// per cell kept ~180 KB (bench/live.sh measures the whole page). And what an update sends: what moved, not the card.
public sealed partial class LiveComponentsTests
{
    [Fact]
    public void A_busy_sites_cards_render_their_rows_in_few_frames_and_share_the_rows_text_between_pages()
    {
        string[] countries = ["DE", "FR", "US", "GB", "IT", "ES", "NL", "PL", "SE", "BR", "JP", "IN"];
        for (var i = 0; i < 200; i++)
            _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), i, $"/products/item-{i % 30}", i % 7 == 0 ? $"Signup {i % 10}" : "pageview")
                with { Country = countries[i % countries.Length], Source = $"source-{i % 12}", Device = $"device-{i % 3}", Props = i % 7 == 0 ? """{"plan":"pro"}""" : null }));

        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        var otherPage = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        var chart = Render<PageviewsChart>(p => p.Add(c => c.SiteId, SiteId));
        var pages = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Pages));
        var countriesNow = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Countries));
        var events = Render<RecentEvents>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.OnPick, (string _) => { }));

        // All there: a screenful of the feed, every minute's bar, a full list.
        Assert.Equal(25, feed.FindAll("[data-testid=live-feed] tbody tr").Count);
        Assert.Equal(30, chart.FindAll("rect").Count);
        Assert.Equal(10, pages.FindAll("tbody tr").Count);
        Assert.Equal(10, countriesNow.FindAll("tbody tr").Count);
        Assert.Equal(10, events.FindAll("tbody button.now-pick").Count);
        Assert.Contains("plan: pro", feed.Find(".feed-details").TextContent);

        Assert.InRange(Frames(feed), 1, 256);
        Assert.InRange(Frames(chart), 1, 32);
        Assert.InRange(Frames(pages), 1, 64);
        Assert.InRange(Frames(countriesNow), 1, 64);
        Assert.InRange(Frames(events), 1, 128);
        // One string of a row's cells for every page that shows it, not one each.
        Assert.Same(Markup(feed, "<td>")[0], Markup(otherPage, "<td>")[0]);
    }

    [Fact]
    public void A_pageview_sends_the_current_minutes_bar_and_the_row_that_moved_not_the_whole_card()
    {
        foreach (var (visitor, page) in new[] { (1L, "/hats"), (2L, "/hats"), (3L, "/bags") }) Publish(page, visitor);
        _time.Advance(TimeSpan.FromMinutes(1));
        Publish("/hats", visitor: 1);
        var chart = Render<PageviewsChart>(p => p.Add(c => c.SiteId, SiteId));
        var pages = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Pages));
        var (bars, rows) = (Markup(chart, "<rect"), Markup(pages, "<td"));
        Assert.Equal("0 -3 360 3", chart.Find("svg").GetAttribute("viewBox"));   // the peak, 3 a minute ago, at the top
        Assert.Equal(["-3", "3"], chart.FindAll("rect")[^2].Attributes.Where(a => a.Name is "y" or "height").Select(a => a.Value));

        _time.Advance(RenderCoalescer.DefaultInterval);
        Publish("/bags", visitor: 4);   // the same minute: its bar and the /bags row move, nothing else
        chart.WaitForAssertion(() => Assert.Equal("3 2", string.Join(" ", chart.FindAll("rect").TakeLast(2).Select(r => r.GetAttribute("height")))));
        pages.WaitForAssertion(() => Assert.Contains(pages.FindAll("tbody tr"), r => r.TextContent.Contains("/bags") && r.TextContent.Contains('2')));

        var (barsAfter, rowsAfter) = (Markup(chart, "<rect"), Markup(pages, "<td"));
        Assert.Equal(bars[0], barsAfter[0]);          // the minutes before: the same markup, no edit
        Assert.NotEqual(bars[1], barsAfter[1]);
        Assert.Equal(rows.Single(r => r.Contains("/hats")), rowsAfter.Single(r => r.Contains("/hats")));
        Assert.NotEqual(rows.Single(r => r.Contains("/bags")), rowsAfter.Single(r => r.Contains("/bags")));
    }

    [Fact]
    public void Shared_rows_are_made_again_for_a_page_in_another_time_zone()
    {
        Publish("/hats");   // 12:00 UTC
        var utc = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        var newYork = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId).AddCascadingValue(LiveClock.For("America/New_York")));
        var utcAgain = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId).AddCascadingValue(LiveClock.For("UTC")));

        Assert.Equal("12:00:00", utc.Find("[data-testid=live-feed] tbody td").TextContent);
        Assert.Equal("07:00:00", newYork.Find("[data-testid=live-feed] tbody td").TextContent);
        Assert.Equal("12:00:00", utcAgain.Find("[data-testid=live-feed] tbody td").TextContent);
        Assert.Contains("at 07:00:00", newYork.Find("button.feed-follow").GetAttribute("aria-label"));
    }

    private int Frames(IRenderedComponent<IComponent> card) => TreeOf(card).Count;

    // The pieces of markup a card renders that begin with <paramref name="start"/>, in order.
    private List<string> Markup(IRenderedComponent<IComponent> card, string start)
    {
        var frames = TreeOf(card);
        return [.. Enumerable.Range(0, frames.Count).Select(i => frames.Array[i])
            .Where(f => f.FrameType == RenderTreeFrameType.Markup && f.MarkupContent.StartsWith(start, StringComparison.Ordinal))
            .Select(f => f.MarkupContent)];
    }

    // The renderer's own view of a component's current tree (protected: read through reflection).
    private ArrayRange<RenderTreeFrame> TreeOf(IRenderedComponent<IComponent> card) =>
        (ArrayRange<RenderTreeFrame>)typeof(Renderer).GetMethod("GetCurrentRenderTreeFrames", BindingFlags.Instance | BindingFlags.NonPublic)!
            .Invoke(Renderer, [card.ComponentId])!;
}
