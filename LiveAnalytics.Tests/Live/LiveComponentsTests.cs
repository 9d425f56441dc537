using Bunit;
using LiveAnalytics.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;

namespace LiveAnalytics.Tests.Live;

public sealed class LiveComponentsTests : BunitContext
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
    }

    private void Publish(string path, long visitor = 1) =>
        _hub.Publish(SiteLiveStateTests.Event(_time.GetUtcNow(), visitor, path));

    [Fact]
    public void The_feed_renders_pushed_events_without_being_asked()
    {
        var feed = Render<LiveFeed>(p => p.Add(c => c.SiteId, SiteId));
        feed.Find("[data-testid=feed-empty]");

        Publish("/products/<b>hat</b>");

        feed.WaitForAssertion(() => Assert.Equal("/products/<b>hat</b>", feed.Find(".feed-page").TextContent));
        Assert.DoesNotContain("<b>hat</b>", feed.Markup);   // visitor-sent text is escaped, never markup
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
}
