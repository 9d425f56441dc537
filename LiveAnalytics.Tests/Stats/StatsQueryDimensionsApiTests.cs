using System.Net;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2 by several dimensions at once, and the rows of every page (<c>include.total_rows</c>).</summary>
public sealed class StatsQueryDimensionsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private Task<(Merchant Shop, HttpClient Api)> ShopAsync() => StatsQueryShop.CreateAsync(_app);
    private const string Day = StatsQueryShop.Day;

    [Fact]
    public async Task Several_dimensions_give_each_combinations_counts()
    {
        var (shop, api) = await ShopAsync();
        Assert.Equal(["Direct / None=DE=3", "Google=DE=2", "Google=FR=1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "dimensions": ["visit:source", "visit:country"]
            """)));
        // Each combination's share of the visitors the filters keep; alone, ranked by visitors.
        Assert.Equal(["Direct / None=DE=50", "Google=DE=33.3", "Google=FR=16.7"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["percentage"], {{Day}}, "dimensions": ["visit:source", "visit:country"]
            """)));
        Assert.Equal(["Google=DE=2,66.7", "Google=FR=1,33.3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "percentage"], {{Day}}, "dimensions": ["visit:source", "visit:country"], "filters": [["is", "visit:source", ["Google"]]]
            """)));
        // With time, by time first; the labels list every bucket; countries by their names.
        var days = await StatsQueryShop.QueryAsync(api, shop, """
            "metrics": ["visitors", "pageviews"], "date_range": ["2026-11-09", "2026-11-11"], "dimensions": ["time:day", "visit:country_name"],
            "include": {"time_labels": true}
            """);
        Assert.Equal(["2026-11-10=Germany=5,6", "2026-11-10=France=1,1"], StatsQueryShop.Rows(days));
        Assert.Equal("""["2026-11-09","2026-11-10","2026-11-11"]""", days.GetProperty("meta").GetProperty("time_labels").GetRawText());
        Assert.Equal("""["time:day","visit:country_name"]""", days.GetProperty("query").GetProperty("dimensions").GetRawText());
        // A custom property's values (none but the signup's), a page of them by the metric asked for; under a filter.
        Assert.Equal(["(none)=Google=3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "dimensions": ["event:props:plan", "visit:source"], "order_by": [["visitors", "desc"]],
            "pagination": {"limit": 1, "offset": 1}
            """)));
        Assert.Equal(["/=Google=2", "/pricing=Google=1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "dimensions": ["visit:entry_page", "visit:source"], "filters": [["is", "visit:source", ["Google"]]]
            """)));
    }

    [Fact]
    public async Task Several_dimensions_give_each_combinations_own_conversion_rate()
    {
        var (shop, api) = await ShopAsync();
        foreach (var path in StatsQueryShop.ReadPaths)
        {
            // Of Google's two Germans one signed up, of the three direct Germans one; Google's French visitor did not.
            Assert.Equal(["Google=DE=1,50", "Direct / None=DE=1,33.3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
                "metrics": ["visitors", "group_conversion_rate"], {{Day}}, "dimensions": ["visit:source", "visit:country"],
                "filters": [["is", "event:goal", ["Signup"]]{{path}}], "order_by": [["visitors", "desc"]]
                """)).OrderByDescending(r => r, StringComparer.Ordinal));
            // A later page's combination is rated by its own visitors, not by those of the first combinations.
            Assert.Equal(["Google=DE=1,50"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
                "metrics": ["visitors", "group_conversion_rate"], {{Day}}, "dimensions": ["visit:source", "visit:country"],
                "filters": [["is", "event:goal", ["Signup"]]{{path}}], "pagination": {"limit": 1, "offset": 1}
                """)));
            // By day: Google's three visitors that day, France's too.
            Assert.Equal(["2026-11-10=Google=33.3", "2026-11-10=Direct / None=33.3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
                "metrics": ["group_conversion_rate"], {{Day}}, "dimensions": ["time:day", "visit:source"],
                "filters": [["is", "event:goal", ["Signup"]]{{path}}]
                """)).OrderByDescending(r => r, StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Total_rows_counts_the_rows_of_every_page()
    {
        var (shop, api) = await ShopAsync();
        async Task<long> TotalAsync(string dimensions, string filters = "[]") => (await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "dimensions": {{dimensions}}, "filters": {{filters}}, "include": {"total_rows": true},
            "pagination": {"limit": 1}
            """)).GetProperty("meta").GetProperty("total_rows").GetInt64();
        Assert.Equal(2, await TotalAsync("""["visit:source"]"""));                                          // from the rollups
        Assert.Equal(2, await TotalAsync("""["visit:source"]""", """[["is_not", "visit:country", ["ES"]]]"""));   // from the events
        Assert.Equal(1, await TotalAsync("""["visit:source"]""", """[["is", "visit:country", ["FR"]]]"""));
        Assert.Equal(2, await TotalAsync("""["visit:country_name"]"""));
        Assert.Equal(2, await TotalAsync("""["event:props:plan"]"""));                                      // (none) and pro
        Assert.Equal(1, await TotalAsync("""["event:goal"]"""));
        Assert.Equal(1, await TotalAsync("""["time:hour"]"""));                                             // the hours with visitors
        Assert.Equal(3, await TotalAsync("""["visit:source", "visit:country"]"""));
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query",
            $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], {{Day}}, "include": {"total_rows": true} }""");
        Assert.Equal((HttpStatusCode.BadRequest, "'include.total_rows' needs dimensions to count the rows of."), (status, ApiClient.Detail(problem)));
    }
}
