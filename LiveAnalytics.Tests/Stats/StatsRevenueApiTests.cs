using System.Net;
using System.Text.Json;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>Revenue through the Stats API: total_revenue over what the filters keep, average_revenue per conversion of a goal.</summary>
public sealed class StatsRevenueApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Noon = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// 10 November, at noon (UTC). From Google: 1 in Germany buys for 50 (after the checkout page), 2 in France for 30. Direct
    /// from Germany: 3 buys twice, for 100 and 20; 5 only looks. From a newsletter: 4 in Germany looks. 200 in all, 4
    /// purchases. Goals: Purchase (an event) and Visit /checkout (a page, which carries no revenue).
    /// </summary>
    private async Task<(Merchant Shop, HttpClient Api)> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        TrackedEvent At(int minute, long visitor, string? source, string country, string path, decimal? amount = null) =>
            TestData.Event(shop.Site.Id, Noon.AddMinutes(minute), visitor, path, amount is null ? TrackedEvent.Pageview : "Purchase") with
            {
                Source = source, Country = country, RevenueAmount = amount, RevenueCurrency = amount is null ? null : "EUR",
            };
        await _app.Get<EventWriter>().WriteAsync([
            At(0, 1, "Google", "DE", "/"), At(1, 1, "Google", "DE", "/checkout"), At(2, 1, "Google", "DE", "/checkout", 50m),
            At(0, 2, "Google", "FR", "/"), At(1, 2, "Google", "FR", "/", 30m),
            At(0, 3, null, "DE", "/"), At(1, 3, null, "DE", "/", 100m), At(2, 3, null, "DE", "/", 20m),
            At(0, 4, "Newsletter", "DE", "/"),
            At(0, 5, null, "DE", "/products/hat"),
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Null(await _app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, Goal.Event, "Purchase"));
        Assert.Null(await _app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, Goal.Page, "/checkout"));
        return (shop, ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id)));
    }

    private static string V1(Merchant shop, string path, string query) =>
        $"/api/v1/stats/{path}?site_id={shop.Site.Domain}&period=day&date=2026-11-10&{query}";

    private static string F(string filters) => "&filters=" + Uri.EscapeDataString(filters);

    private static async Task<JsonElement> GetAsync(HttpClient api, string url)
    {
        var (status, body) = await ApiClient.SendAsync(api, HttpMethod.Get, url);
        Assert.True(status == HttpStatusCode.OK, $"{url}: {(int)status} {body}");
        return body;
    }

    /// <summary>A breakdown's rows as <c>value=metric,metric</c>, in the order given.</summary>
    private static async Task<string[]> BreakdownAsync(HttpClient api, string url, string key, params string[] metrics) =>
        (await GetAsync(api, url)).GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty(key).GetString() + "=" + string.Join(",", metrics.Select(m => r.GetProperty(m).GetRawText()))).ToArray();

    [Fact]
    public async Task The_totals_sum_the_revenue_and_average_it_over_a_goals_conversions()
    {
        var (shop, api) = await ShopAsync();
        var all = (await GetAsync(api, V1(shop, "aggregate", "metrics=visitors,total_revenue&compare=previous_period"))).GetProperty("results");
        Assert.Equal(200.0, all.GetProperty("total_revenue").GetProperty("value").GetDouble());
        Assert.Equal(100, all.GetProperty("total_revenue").GetProperty("change").GetDouble());   // from nothing the day before

        var bought = (await GetAsync(api, V1(shop, "aggregate", "metrics=visitors,events,total_revenue,average_revenue" + F("event:goal==Purchase"))))
            .GetProperty("results");
        Assert.Equal((3, 4, 200.0, 50.0), (bought.GetProperty("visitors").GetProperty("value").GetInt64(), bought.GetProperty("events").GetProperty("value").GetInt64(),
            bought.GetProperty("total_revenue").GetProperty("value").GetDouble(), bought.GetProperty("average_revenue").GetProperty("value").GetDouble()));
        var germans = (await GetAsync(api, V1(shop, "aggregate", "metrics=total_revenue,average_revenue" + F("event:name==Purchase;visit:country==DE"))))
            .GetProperty("results");
        Assert.Equal((170.0, 56.67), (germans.GetProperty("total_revenue").GetProperty("value").GetDouble(),
            germans.GetProperty("average_revenue").GetProperty("value").GetDouble()));

        // Without a goal there are no conversions to average over: a 400 that says what to add.
        foreach (var url in new[]
        {
            V1(shop, "aggregate", "metrics=average_revenue"), V1(shop, "timeseries", "metrics=average_revenue"),
            V1(shop, "breakdown", "property=visit:source&metrics=visitors,average_revenue" + F("visit:country==DE")),
        })
        {
            var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("filter by a goal (event:goal==Purchase", ApiClient.Detail(problem));
        }
    }

    [Fact]
    public async Task A_breakdown_ranks_values_by_the_revenue_they_brought_from_the_rollups_or_the_events_alike()
    {
        var (shop, api) = await ShopAsync();
        // The rollups answer without filters; a filter that keeps every visit reads the visits or the events: the same rows.
        string[] bySource = ["Direct / None=120,2", "Google=80,2", "Newsletter=0,1"];
        Assert.Equal(bySource, await BreakdownAsync(api, V1(shop, "breakdown", "property=visit:source&metrics=total_revenue,visitors"), "source",
            "total_revenue", "visitors"));
        Assert.Equal(bySource, await BreakdownAsync(api, V1(shop, "breakdown", "property=visit:source&metrics=total_revenue,visitors" + F("visit:country!=JP")),
            "source", "total_revenue", "visitors"));
        // Under a filter: the Germans' revenue only.
        Assert.Equal(["Direct / None=120", "Google=50", "Newsletter=0"],
            await BreakdownAsync(api, V1(shop, "breakdown", "property=visit:source&metrics=total_revenue" + F("visit:country==DE")), "source", "total_revenue"));
        // A page's revenue is its events': the purchases made on it.
        Assert.Equal(["/=150,4", "/checkout=50,1", "/products/hat=0,1"],
            await BreakdownAsync(api, V1(shop, "breakdown", "property=event:page&metrics=total_revenue,visitors"), "page", "total_revenue", "visitors"));
        // Each source's average order under the goal: the direct 3's 100 and 20, Google's 50 (1) and 30 (2).
        Assert.Equal(["Direct / None=60,1", "Google=40,2"], await BreakdownAsync(api,
            V1(shop, "breakdown", "property=visit:source&metrics=average_revenue,visitors" + F("event:goal==Purchase")), "source", "average_revenue", "visitors"));
        // Paged: the second value by revenue.
        Assert.Equal(["Google=80"], await BreakdownAsync(api, V1(shop, "breakdown", "property=visit:source&metrics=total_revenue&limit=1&page=2"),
            "source", "total_revenue"));
    }

    [Fact]
    public async Task Goals_carry_their_revenue_and_a_page_goal_none()
    {
        var (shop, api) = await ShopAsync();
        var rows = await BreakdownAsync(api, V1(shop, "breakdown", "property=event:goal&metrics=total_revenue,visitors,events,average_revenue"), "goal",
            "total_revenue", "visitors", "events", "average_revenue");
        Assert.Equal(["Purchase=200,3,4,50", "Visit /checkout=null,1,1,null"], rows);
    }

    [Fact]
    public async Task A_time_series_gives_each_buckets_revenue()
    {
        var (shop, api) = await ShopAsync();
        var hours = (await GetAsync(api, V1(shop, "timeseries", "metrics=total_revenue&interval=hour"))).GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("date").GetString()!, r => r.GetProperty("total_revenue").GetDouble());
        Assert.Equal(24, hours.Count);
        Assert.Equal(200.0, hours["2026-11-10 12:00:00"]);
        Assert.Equal(200.0, hours.Values.Sum());
        var averages = (await GetAsync(api, V1(shop, "timeseries", "metrics=average_revenue&interval=hour" + F("event:goal==Purchase"))))
            .GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("date").GetString()!, r => r.GetProperty("average_revenue").GetDouble());
        Assert.Equal(50.0, averages["2026-11-10 12:00:00"]);
    }

    [Fact]
    public async Task The_v2_query_orders_and_groups_by_revenue()
    {
        var (shop, api) = await ShopAsync();
        async Task<string[]> Rows(string members) => StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, members));
        Assert.Equal(["Direct / None=120,2", "Google=80,2", "Newsletter=0,1"], await Rows($"""
            "metrics": ["total_revenue", "visitors"], {StatsQueryShop.Day}, "dimensions": ["visit:source"], "order_by": [["total_revenue", "desc"]]
            """));
        // Ordered by visitors, revenue beside them.
        Assert.Equal(["Direct / None=2,120", "Google=2,80", "Newsletter=1,0"], await Rows($"""
            "metrics": ["visitors", "total_revenue"], {StatsQueryShop.Day}, "dimensions": ["visit:source"]
            """));
        Assert.Equal(["Direct / None=DE=120", "Google=DE=50", "Google=FR=30", "Newsletter=DE=0"], await Rows($"""
            "metrics": ["total_revenue"], {StatsQueryShop.Day}, "dimensions": ["visit:source", "visit:country"]
            """));
        Assert.Equal(["200,50,4"], await Rows($"""
            "metrics": ["total_revenue", "average_revenue", "events"], {StatsQueryShop.Day}, "filters": [["is", "event:goal", ["Purchase"]]]
            """));
        Assert.Equal(["Purchase=200,50", "Visit /checkout=null,null"], await Rows($"""
            "metrics": ["total_revenue", "average_revenue"], {StatsQueryShop.Day}, "dimensions": ["event:goal"]
            """));

        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query",
            $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["average_revenue"], {{StatsQueryShop.Day}}, "dimensions": ["visit:source"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("average_revenue is the revenue per conversion", ApiClient.Detail(problem));
    }
}
