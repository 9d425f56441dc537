using System.Net;
using System.Text;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using static LiveAnalytics.Tests.Infrastructure.ApiClient;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>A visit's acquisition channel, worked out as its events arrive, on the Top sources card, in its filters and in the Stats API.</summary>
public sealed class ChannelsDashboardTests
{
    [Fact]
    public async Task Visits_get_a_channel_to_list_filter_and_query()
    {
        await using var app = new AppFactory();
        var shop = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(shop.User.Id);
        var domain = shop.Site.Domain;
        // Five visitors: a Google Ads click (and a second page of that visit, whose referrer is the store), two from a
        // Google search, one from a newsletter link, one typed in.
        string Item(int visitor, string path, string? referrer) =>
            $$"""{"name":"pageview","url":"https://{{domain}}{{path}}","domain":"{{domain}}","ip":"198.51.100.{{visitor}}","user_agent":"{{TestData.Browser(visitor)}}"{{(referrer is null ? "" : $",\"referrer\":\"{referrer}\"")}}}""";
        var body = "[" + string.Join(",",
            Item(1, "/hats?gclid=abc", "https://www.google.com/"), Item(1, "/hats/red", $"https://{domain}/hats"),
            Item(2, "/", "https://www.google.com/search?q=hats"), Item(3, "/blog", "https://www.bing.com/"),
            Item(4, "/?utm_source=weekly&utm_medium=email", null), Item(5, "/", null)) + "]";
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        {
            request.Headers.Authorization = new("Bearer", key);
            using var response = await app.CreateClient().SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await app.Get<FlushEventsJob>().RunAsync();
        await app.RollUpAsync(shop.Site.Id);

        // From the rollups, the card's tab; filtered by a channel, from the table of visits: the paid visit's two pages.
        var today = SiteClock.Today(shop.Site, TimeProvider.System);
        var queries = app.Get<DashboardQueries>();
        var all = await queries.LoadAsync(shop.Site, DashboardView.Parse("today", null, null, null, null, null).View, today);
        Assert.Equal([("Organic Search", 2L), ("Direct", 1L), ("Email", 1L), ("Paid Search", 1L)],
            all.Tops["channel"].Select(r => (r.Value, r.Counts.Visitors)).OrderByDescending(r => r.Item2).ThenBy(r => r.Value));
        var paid = await queries.LoadAsync(shop.Site, DashboardView.Parse("today", null, null, null, ["channel:Paid Search"], null).View, today);
        Assert.True(paid.FromVisits);
        Assert.Equal((1L, 2L), (paid.Totals.Visitors, paid.Totals.Pageviews));
        Assert.Equal(["/hats", "/hats/red"], paid.Tops["page"].Select(r => r.Value).Order());

        // The Stats API's visit:channel, as Plausible names it.
        var api = For(app, key);
        var (status, channels) = await SendAsync(api, HttpMethod.Get, $"/api/v1/stats/breakdown?site_id={domain}&period=day&property=visit:channel&metrics=visitors,pageviews");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Direct=1/1", "Email=1/1", "Organic Search=2/2", "Paid Search=1/2"], channels.GetProperty("results").EnumerateArray()
            .Select(r => $"{r.GetProperty("channel").GetString()}={r.GetProperty("visitors").GetInt64()}/{r.GetProperty("pageviews").GetInt64()}").Order());
        (status, var organic) = await SendAsync(api, HttpMethod.Post, "/api/v2/query", $$"""
            {"site_id": "{{domain}}", "metrics": ["visitors"], "date_range": "day", "dimensions": ["visit:source"],
             "filters": [["is", "visit:channel", ["Organic Search"]]]}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""[{"metrics":[1],"dimensions":["Bing"]},{"metrics":[1],"dimensions":["Google"]}]""", organic.GetProperty("results").GetRawText());
        // By several dimensions, read from the raw events: each channel's pages.
        (status, var pages) = await SendAsync(api, HttpMethod.Post, "/api/v2/query", $$"""
            {"site_id": "{{domain}}", "metrics": ["pageviews"], "date_range": "day", "dimensions": ["visit:channel", "event:page"]}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Direct / 1", "Email / 1", "Organic Search / 1", "Organic Search /blog 1", "Paid Search /hats 1", "Paid Search /hats/red 1"],
            pages.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("dimensions"))
                .Select((d, i) => $"{d[0].GetString()} {d[1].GetString()} {pages.GetProperty("results")[i].GetProperty("metrics")[0].GetInt64()}").Order());
    }
}
