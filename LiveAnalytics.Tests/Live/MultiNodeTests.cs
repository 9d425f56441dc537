using System.Net;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Live;

/// <summary>Several app nodes on one PostgreSQL and Redis: the same live truth everywhere.</summary>
public sealed class MultiNodeTests
{
    private static async Task SendAsync(AppFactory node, string domain, string path, int browser)
    {
        using var r = await node.CreateClient().SendAsync(TestData.Pageview(domain, path, TestData.Browser(browser), referrer: browser % 2 == 0 ? "https://www.google.com/" : null));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    /// <summary>The numbers a merchant sees, without the snapshot's own clock.</summary>
    private static string Picture(LiveSnapshot s) => string.Join(" | ",
        s.VisitorsOnline, s.Sequence,
        string.Join(",", s.Pages.Select(p => $"{p.Value}={p.Visitors}")),
        string.Join(",", s.Sources.Select(p => $"{p.Value}={p.Visitors}")),
        string.Join(",", s.Feed.Select(f => f.StreamId)),
        s.PageviewsPerMinute.Sum(m => m.Pageviews));

    [Fact]
    public async Task Two_nodes_show_equal_live_numbers_whichever_node_took_the_events()
    {
        await using var a = new AppFactory();
        await using var b = new AppFactory(keyPrefix: a.KeyPrefix);
        var merchant = await a.MerchantAsync();
        for (var i = 0; i < 12; i++) await SendAsync(i % 2 == 0 ? a : b, merchant.Site.Domain, $"/p{i % 4}", browser: i % 5);

        var onA = await a.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 12);
        var onB = await b.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 12);
        Assert.Equal(5, onA.VisitorsOnline);
        Assert.Equal(Picture(onA), Picture(onB));
    }

    [Fact]
    public async Task A_restarted_node_shows_the_same_numbers_at_once()
    {
        await using var a = new AppFactory();
        var merchant = await a.MerchantAsync();
        for (var i = 0; i < 20; i++) await SendAsync(a, merchant.Site.Domain, $"/p{i % 3}", browser: i % 7);
        var before = await a.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 20);

        // A node that (re)starts now: its live state is rebuilt from the last 30 minutes of the stream.
        await using var restarted = new AppFactory(keyPrefix: a.KeyPrefix);
        var started = DateTime.UtcNow;
        var after = await restarted.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 20, timeoutMs: 5000);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal(7, after.VisitorsOnline);
        Assert.Equal(Picture(before), Picture(after));
    }

    [Fact]
    public async Task A_node_that_lost_redis_resumes_from_its_last_id_missing_and_doubling_nothing()
    {
        await using var writer = new AppFactory();
        await using var proxy = new TcpProxy(int.Parse(TestServices.Redis.Split(':')[1]));
        await using var reader = new AppFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = $"127.0.0.1:{proxy.Port}",
        }, keyPrefix: writer.KeyPrefix);
        var merchant = await writer.MerchantAsync();
        for (var i = 0; i < 5; i++) await SendAsync(writer, merchant.Site.Domain, "/before", browser: i);
        await reader.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 5);

        proxy.Cut();
        for (var i = 0; i < 7; i++) await SendAsync(writer, merchant.Site.Domain, "/during", browser: 10 + i);
        await Task.Delay(1500);   // the reader's blocking XREAD has failed by now
        proxy.Restore();
        for (var i = 0; i < 3; i++) await SendAsync(writer, merchant.Site.Domain, "/after", browser: 20 + i);

        var onReader = await reader.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence >= 15, timeoutMs: 20_000);
        var onWriter = await writer.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Sequence == 15);
        Assert.Equal(15, onReader.Sequence);   // none doubled
        Assert.Equal(15, onReader.Feed.Select(f => f.Id).Distinct().Count());
        Assert.Equal(Picture(onWriter), Picture(onReader));
    }
}
