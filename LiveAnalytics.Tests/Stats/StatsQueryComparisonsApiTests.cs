using System.Net;
using System.Text.Json;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2's <c>include.comparisons</c>: each row beside the compared period's, and its change.</summary>
public sealed class StatsQueryComparisonsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private const string Day = StatsQueryShop.Day;   // Tuesday, 10 November 2026

    /// <summary>
    /// Tuesday 10 November: Google brings 2 Germans (one signs up), 1 German comes direct, Bing 1 Frenchman. Monday 9
    /// November: Google 1 German, 2 French direct (one signs up). Tuesday 3 November: Google 4. Monday 10 November 2025:
    /// Google 1; Tuesday 11 November 2025: Bing 2. A goal: Signup.
    /// </summary>
    private async Task<(Merchant Shop, HttpClient Api)> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        var visitor = 0;
        var events = new List<TrackedEvent>();
        void Visits(DateOnly day, int count, string? source, string country, bool signup = false)
        {
            for (var i = 0; i < count; i++)
            {
                var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero).AddMinutes(++visitor);
                events.Add(TestData.Event(shop.Site.Id, at, visitor, "/") with { Source = source, Country = country });
                if (signup && i == 0) events.Add(TestData.Event(shop.Site.Id, at.AddSeconds(30), visitor, "/", "Signup") with { Source = source, Country = country });
            }
        }
        Visits(new(2026, 11, 10), 2, "Google", "DE", signup: true);
        Visits(new(2026, 11, 10), 1, null, "DE");
        Visits(new(2026, 11, 10), 1, "Bing", "FR");
        Visits(new(2026, 11, 9), 1, "Google", "DE");
        Visits(new(2026, 11, 9), 2, null, "FR", signup: true);
        Visits(new(2026, 11, 3), 4, "Google", "DE");
        Visits(new(2025, 11, 10), 1, "Google", "DE");
        Visits(new(2025, 11, 11), 2, "Bing", "DE");
        await _app.Get<EventWriter>().WriteAsync([.. events], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Null(await _app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, Goal.Event, "Signup"));
        return (shop, ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id)));
    }

    /// <summary>Each row as <c>dims=metrics | dims=metrics | change</c>.</summary>
    private static string[] Compared(JsonElement body) => body.GetProperty("results").EnumerateArray().Select(r =>
    {
        static string Part(JsonElement e) => string.Join("", e.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString() + "="))
            + string.Join(",", e.GetProperty("metrics").EnumerateArray().Select(m => m.GetRawText()));
        var c = r.GetProperty("comparison");
        return c.ValueKind == JsonValueKind.Null ? $"{Part(r)} | none"
            : $"{Part(r)} | {Part(c)} | {string.Join(",", c.GetProperty("change").EnumerateArray().Select(m => m.GetRawText()))}";
    }).ToArray();

    private static string Period(JsonElement body) => string.Join(" to ",
        body.GetProperty("meta").GetProperty("comparison_date_range").EnumerateArray().Select(d => d.GetString()![..10]));

    [Fact]
    public async Task Totals_and_a_propertys_values_beside_the_previous_period()
    {
        var (shop, api) = await ShopAsync();
        var totals = await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors", "events"], {{{Day}}}, "include": {"comparisons": {"mode": "previous_period"}}
            """);
        // 4 visitors and 5 events (a signup) against Monday's 3 and 4.
        Assert.Equal(["4,5 | 3,4 | 33,25"], Compared(totals));
        Assert.Equal("2026-11-09 to 2026-11-09", Period(totals));

        // Each source's share of the day's visitors against its share of Monday's; Bing brought nobody on Monday.
        var sources = await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors", "percentage"], {{{Day}}}, "dimensions": ["visit:source"], "include": {"comparisons": {"mode": "previous_period"}}
            """);
        Assert.Equal(["Google=2,50 | Google=1,33.3 | 100,50", "Direct / None=1,25 | Direct / None=2,66.7 | -50,-63", "Bing=1,25 | Bing=0,0 | 100,100"],
            Compared(sources));
        // A page of them is compared value by value (Monday's first was Direct), shares of all Monday's visitors; the missing source too.
        Assert.Equal(["Google=2,50 | Google=1,33.3 | 100,50"], Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors", "percentage"], {{{Day}}}, "dimensions": ["visit:source"], "pagination": {"limit": 1},
            "include": {"comparisons": {"mode": "previous_period"}}
            """)));
        Assert.Equal(["Direct / None=1,25 | Direct / None=2,66.7 | -50,-63"], Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors", "percentage"], {{{Day}}}, "dimensions": ["visit:source"], "pagination": {"limit": 1, "offset": 1},
            "include": {"comparisons": {"mode": "previous_period"}}
            """)));
        // The same under a filter (every pageview was of /): compared through a read kept to the page's values.
        Assert.Equal(["Google=2,50 | Google=1,33.3 | 100,50"], Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors", "percentage"], {{{Day}}}, "dimensions": ["visit:source"], "pagination": {"limit": 1},
            "filters": [["is", "event:page", ["/"]]], "include": {"comparisons": {"mode": "previous_period"}}
            """)));
        // Countries by name, under a filter.
        Assert.Equal(["Germany=3 | Germany=1 | 200"], Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors"], {{{Day}}}, "dimensions": ["visit:country_name"], "filters": [["is", "visit:country", ["DE"]]],
            "include": {"comparisons": {"mode": "previous_period"}}
            """)));
        // The goals: Signup's conversion rate 25% against 33.3%, in points.
        Assert.Equal(["Signup=1,25 | Signup=1,33.3 | 0,-8.3"], Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors", "conversion_rate"], {{{Day}}}, "dimensions": ["event:goal"], "include": {"comparisons": {"mode": "previous_period"}}
            """)));
        // Without the include, no comparison at all.
        var plain = await StatsQueryShop.QueryAsync(api, shop, $"\"metrics\": [\"visitors\"], {Day}");
        Assert.False(plain.GetProperty("results")[0].TryGetProperty("comparison", out _));
        Assert.False(plain.GetProperty("meta").TryGetProperty("comparison_date_range", out _));
    }

    [Fact]
    public async Task Time_buckets_against_a_custom_period_a_year_before_and_the_same_weekday()
    {
        var (shop, api) = await ShopAsync();
        // Bucket by bucket in order, the empty ones too (8 November against 1 November).
        var days = await StatsQueryShop.QueryAsync(api, shop, """
            "metrics": ["visitors"], "date_range": ["2026-11-08", "2026-11-10"], "dimensions": ["time:day"],
            "include": {"comparisons": {"mode": "custom", "date_range": ["2026-11-01", "2026-11-03"]}}
            """);
        Assert.Equal(["2026-11-08=0 | 2026-11-01=0 | 0", "2026-11-09=3 | 2026-11-02=0 | 100", "2026-11-10=4 | 2026-11-03=4 | 0"], Compared(days));
        // A compared period shorter than the period: its last buckets have none.
        Assert.Equal(["2026-11-09=3 | 2026-11-03=4 | -25", "2026-11-10=4 | none"], Compared(await StatsQueryShop.QueryAsync(api, shop, """
            "metrics": ["visitors"], "date_range": ["2026-11-09", "2026-11-10"], "dimensions": ["time:day"],
            "include": {"comparisons": {"mode": "custom", "date_range": ["2026-11-03", "2026-11-03"]}}
            """)));

        // A Tuesday against the Tuesday before, and against a year before: the same date (a Monday), or the nearest Tuesday.
        var weekday = await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors"], {{{Day}}}, "include": {"comparisons": {"mode": "previous_period", "match_day_of_week": true}}
            """);
        Assert.Equal(["4 | 4 | 0"], Compared(weekday));
        Assert.Equal("2026-11-03 to 2026-11-03", Period(weekday));
        var yearAgo = await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors"], {{{Day}}}, "include": {"comparisons": {"mode": "year_over_year"}}
            """);
        Assert.Equal(["4 | 1 | 300"], Compared(yearAgo));
        Assert.Equal("2025-11-10 to 2025-11-10", Period(yearAgo));
        Assert.Equal(["4 | 2 | 100"], Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
            "metrics": ["visitors"], {{{Day}}}, "include": {"comparisons": {"mode": "year_over_year", "match_day_of_week": true}}
            """)));
    }

    [Theory]
    [InlineData("""{"mode": "last_week"}""", "'include.comparisons' takes {\"mode\": \"previous_period\"}")]
    [InlineData("""{"mode": "custom"}""", "A custom comparison needs its 'date_range'")]
    [InlineData("""{"mode": "custom", "date_range": ["2026-11-03", "2026-11-01"]}""", "must not end before it starts")]
    [InlineData("""{"mode": "previous_period", "date_range": ["2026-11-01", "2026-11-03"]}""", "is for the mode \"custom\" only")]
    [InlineData("""{"mode": "previous_period", "match_day_of_week": "yes"}""", "'include.comparisons.match_day_of_week' must be true or false.")]
    [InlineData("""{"mode": "previous_period", "dates": 1}""", "'include.comparisons' takes")]
    [InlineData("""{"mode": "custom", "date_range": ["0001-01-01", "0001-01-02"]}""", "'include.comparisons.date_range' must lie between 1970-01-01 and 2999-12-31.")]
    [InlineData("true", "'include.comparisons' takes")]
    public async Task A_comparison_it_cannot_make_is_a_400_that_says_why(string comparisons, string detail)
    {
        var (shop, api) = await ShopAsync();
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query",
            $$$"""{"site_id": "{{{shop.Site.Domain}}}", "metrics": ["visitors"], {{{Day}}}, "include": {"comparisons": {{{comparisons}}} }}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(detail, ApiClient.Detail(problem));
    }

    [Fact]
    public async Task Combinations_of_several_dimensions_are_compared_combination_by_combination()
    {
        var (shop, api) = await ShopAsync();
        foreach (var path in StatsQueryShop.ReadPaths)
        {
            // Against Monday: Google's Germans doubled; Bing's Frenchman and the direct German came from nothing.
            Assert.Equal(["Google=DE=2 | Google=DE=1 | 100", "Bing=FR=1 | Bing=FR=0 | 100", "Direct / None=DE=1 | Direct / None=DE=0 | 100"],
                Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
                    "metrics": ["visitors"], {{{Day}}}, "dimensions": ["visit:source", "visit:country"], "filters": [["is_not", "visit:source", ["Yahoo"]]{{{path}}}],
                    "include": {"comparisons": {"mode": "previous_period"}}
                    """)));
            // Time in the same place of the compared days: the two days against one, whose second is missing.
            var days = await StatsQueryShop.QueryAsync(api, shop, $$$"""
                "metrics": ["visitors", "group_conversion_rate"], "date_range": ["2026-11-09", "2026-11-10"], "dimensions": ["time:day", "visit:source"],
                "filters": [["is", "event:goal", ["Signup"]]{{{path}}}],
                "include": {"comparisons": {"mode": "custom", "date_range": ["2026-11-03", "2026-11-03"]}}
                """);
            Assert.Equal(["2026-11-09=Direct / None=1,50 | 2026-11-03=Direct / None=0,0 | 100,50", "2026-11-10=Google=1,50 | none"], Compared(days));
            Assert.Equal("2026-11-03 to 2026-11-03", Period(days));
            // "time" is hours for a day, and the compared week's hours too (alone, a week would be days).
            Assert.Contains("2026-11-10 12:00:00=Google=2 | 2026-11-03 12:00:00=Google=4 | -50", Compared(await StatsQueryShop.QueryAsync(api, shop, $$$"""
                "metrics": ["visitors"], {{{Day}}}, "dimensions": ["time", "visit:source"], "filters": [["is_not", "visit:source", ["Yahoo"]]{{{path}}}],
                "include": {"comparisons": {"mode": "custom", "date_range": ["2026-11-03", "2026-11-09"]}}
                """)));
        }
    }
}
