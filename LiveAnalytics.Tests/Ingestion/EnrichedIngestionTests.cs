using System.Net;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class EnrichedIngestionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task A_visitors_events_share_a_session_until_it_lapses()
    {
        var merchant = await _app.MerchantAsync();
        var client = _app.CreateClient();
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/a"))).Dispose();
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/b"))).Dispose();
        // 30 minutes of inactivity: the session key expires.
        foreach (var key in _app.Get<StackExchange.Redis.IConnectionMultiplexer>().GetServers()[0].Keys(pattern: $"{_app.KeyPrefix}:session:{merchant.Site.Id}:*"))
            await _app.Redis.KeyDeleteAsync(key);
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/c"))).Dispose();

        var events = await EventsAsync(merchant.Site.Id, 3);
        Assert.Single(events.Select(e => e.VisitorId).Distinct());
        Assert.Equal(events[0].SessionId, events[1].SessionId);
        Assert.NotEqual(events[1].SessionId, events[2].SessionId);
    }

    [Fact]
    public async Task Events_carry_client_attribution_and_no_ip_or_user_agent()
    {
        var merchant = await _app.MerchantAsync();
        (await _app.CreateClient().SendAsync(TestData.Beacon(
            $$"""{"n":"pageview","u":"https://{{merchant.Site.Domain}}/?utm_source=spring&utm_medium=cpc&utm_campaign=sale","d":"{{merchant.Site.Domain}}","r":"https://www.google.com/"}""",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"))).Dispose();

        var e = Assert.Single(await EventsAsync(merchant.Site.Id, 1));
        Assert.Equal(("spring", "paid", "cpc", "sale"), (e.Source, e.Medium, e.UtmMedium, e.UtmCampaign));
        Assert.Equal(("Mobile Safari", "iOS", "mobile"), (e.Browser, e.Os, e.Device));
        var raw = StreamEntries.Encode(e);
        Assert.True(raw.AsSpan().IndexOf("iPhone OS 17_5"u8) < 0, "the raw User-Agent must never be stored");
    }

    [Fact]
    public async Task Bots_are_answered_202_and_dropped()
    {
        var merchant = await _app.MerchantAsync();
        var before = await _app.Redis.StreamLengthAsync(_app.StreamKey);
        using var response = await _app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/",
            userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("bot", response.Headers.GetValues(EventEndpoint.DroppedHeader).Single());
        Assert.Equal(before, await _app.Redis.StreamLengthAsync(_app.StreamKey));
    }

    [Fact]
    public async Task Excluded_paths_are_dropped_as_soon_as_the_rule_is_saved()
    {
        var merchant = await _app.MerchantAsync();
        var client = _app.CreateClient();
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/admin/orders"))).Dispose();   // caches the site
        Assert.Null(await _app.Get<SiteExclusionRepository>().AddAsync(merchant.Site, merchant.User.Id, SiteExclusionRepository.Path, "/admin/*"));

        using var excluded = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/admin/orders"));
        using var kept = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/products"));
        Assert.Equal("excluded", excluded.Headers.GetValues(EventEndpoint.DroppedHeader).Single());
        Assert.False(kept.Headers.Contains(EventEndpoint.DroppedHeader));
        var live = await _app.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 2);
        Assert.Equal(["/products", "/admin/orders"], live.Feed.Select(f => f.Pathname));
    }

    [Theory]
    [InlineData("ip", "not-an-ip")]
    [InlineData("ip", "203.0.113.0/99")]
    [InlineData("path", "admin")]
    [InlineData("referrer", "/x")]
    public async Task Invalid_exclusions_are_refused_with_a_message(string kind, string pattern)
    {
        var merchant = await _app.MerchantAsync();
        Assert.NotNull(await _app.Get<SiteExclusionRepository>().AddAsync(merchant.Site, merchant.User.Id, kind, pattern));
        Assert.Empty(await _app.Get<SiteExclusionRepository>().ListAsync(merchant.Site.Id));
    }

    private async Task<IReadOnlyList<TrackedEvent>> EventsAsync(long siteId, int count)
    {
        var events = (await _app.StreamEventsAsync()).Select(e => e.Event).Where(e => e.SiteId == siteId).ToList();
        Assert.Equal(count, events.Count);
        return events;
    }
}
