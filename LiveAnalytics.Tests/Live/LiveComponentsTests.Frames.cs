#pragma warning disable BL0006   // the render tree's frames are what an open page keeps: counted here on purpose
using Bunit;
using LiveAnalytics.Live;
using System.Reflection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.RenderTree;

namespace LiveAnalytics.Tests.Live;

// What an open live page keeps: each component holds two render trees (the one shown and the one before) whose
// buffers grow by doubling, 40 bytes a frame. A busy site's cards within these counts keep ~36 KB a page where a frame
// per cell kept ~180 KB (bench/live.sh measures the whole page).
public sealed partial class LiveComponentsTests
{
    [Fact]
    public void A_busy_sites_cards_render_their_rows_in_few_frames_and_share_the_rows_text_between_pages()
    {
        string[] countries = ["DE", "FR", "US", "GB", "IT", "ES", "NL", "PL", "SE", "BR", "JP", "IN"];
        for (var i = 0; i < 200; i++)
            _hub.Publish(new LiveEvent("", SiteLiveStateTests.Event(_time.GetUtcNow(), i, $"/products/item-{i % 30}", i % 7 == 0 ? "Purchase" : "pageview")
                with { Country = countries[i % countries.Length], Source = $"source-{i % 12}", Device = $"device-{i % 3}", Props = i % 7 == 0 ? """{"plan":"pro"}""" : null }));

        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        var otherPage = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        var chart = Render<PageviewsChart>(p => p.Add(c => c.SiteId, SiteId));
        var pages = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Pages));
        var countriesNow = Render<TopNow>(p => p.Add(c => c.SiteId, SiteId).Add(c => c.Dimension, TopNow.Breakdown.Countries));

        // All there: a screenful of the feed, every minute's bar, a full list.
        Assert.Equal(25, feed.FindAll("[data-testid=live-feed] tbody tr").Count);
        Assert.Equal(30, chart.FindAll("rect").Count);
        Assert.Equal(10, pages.FindAll("tbody tr").Count);
        Assert.Equal(10, countriesNow.FindAll("tbody tr").Count);
        Assert.Contains("plan: pro", feed.Find(".feed-details").TextContent);

        Assert.InRange(Frames(feed), 1, 256);
        Assert.InRange(Frames(chart), 1, 32);
        Assert.InRange(Frames(pages), 1, 32);
        Assert.InRange(Frames(countriesNow), 1, 32);
        // One string of a row's cells for every page that shows it, not one each.
        Assert.Same(Cells(feed)[0], Cells(otherPage)[0]);
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

    private List<string> Cells(IRenderedComponent<IComponent> card)
    {
        var frames = TreeOf(card);
        return [.. Enumerable.Range(0, frames.Count).Select(i => frames.Array[i])
            .Where(f => f.FrameType == RenderTreeFrameType.Markup && f.MarkupContent.StartsWith("<td>", StringComparison.Ordinal))
            .Select(f => f.MarkupContent)];
    }

    // The renderer's own view of a component's current tree (protected: read through reflection).
    private ArrayRange<RenderTreeFrame> TreeOf(IRenderedComponent<IComponent> card) =>
        (ArrayRange<RenderTreeFrame>)typeof(Renderer).GetMethod("GetCurrentRenderTreeFrames", BindingFlags.Instance | BindingFlags.NonPublic)!
            .Invoke(Renderer, [card.ComponentId])!;
}
