using System.Net;
using System.Text.Json;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2 over some hours rather than days: <c>24h</c>, and two times of day in <c>date_range</c>.</summary>
public sealed class StatsQueryHoursApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    // The shop's first minute, 12:00 UTC on 10 November: every visitor's first pageview. Its next two minutes: 1's second
    // pageview and sign-up, 3's sign-up.
    private const string FirstMinute = "\"date_range\": [\"2026-11-10T12:00:00Z\", \"2026-11-10T12:00:59Z\"]";
    private const string NextMinutes = "\"date_range\": [\"2026-11-10T12:01:00Z\", \"2026-11-10T12:02:59Z\"]";

    [Fact]
    public async Task Times_of_day_count_the_events_between_them()
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        async Task<JsonElement> Query(string members) => await StatsQueryShop.QueryAsync(api, shop, members);

        var first = await Query($"\"metrics\": [\"visitors\", \"pageviews\", \"events\"], {FirstMinute}");
        Assert.Equal(["6,6,6"], StatsQueryShop.Rows(first));
        Assert.Equal("""["2026-11-10T12:00:00+00:00","2026-11-10T12:00:59+00:00"]""", first.GetProperty("query").GetProperty("date_range").GetRawText());
        Assert.Equal(["2,1,3"], StatsQueryShop.Rows(await Query($"\"metrics\": [\"visitors\", \"pageviews\", \"events\"], {NextMinutes}")));
        // The same instant in another offset.
        Assert.Equal(["6"], StatsQueryShop.Rows(await Query("""
            "metrics": ["visitors"], "date_range": ["2026-11-10T13:00:00+01:00", "2026-11-10T13:00:59+01:00"]
            """)));

        // A property's values, under a filter (the table of visits) and without (the raw events: the rollups hold days).
        Assert.Equal(["Direct / None=3", "Google=3"], StatsQueryShop.Rows(await Query($"\"metrics\": [\"visitors\"], {FirstMinute}, \"dimensions\": [\"visit:source\"]")));
        Assert.Equal(["3"], StatsQueryShop.Rows(await Query($$"""
            "metrics": ["visitors"], {{FirstMinute}}, "filters": [["is", "visit:source", ["Google"]]]
            """)));
        // Both visitors of those two minutes signed up in them.
        Assert.Equal(["Signup=2,100"], StatsQueryShop.Rows(await Query($"\"metrics\": [\"visitors\", \"conversion_rate\"], {NextMinutes}, \"dimensions\": [\"event:goal\"]")));

        // By time: four hours are hours, every one of them labelled.
        var hours = await Query("""
            "metrics": ["visitors"], "date_range": ["2026-11-10T10:00:00Z", "2026-11-10T13:59:59Z"], "dimensions": ["time"], "include": {"time_labels": true}
            """);
        Assert.Equal(["2026-11-10 12:00:00=6"], StatsQueryShop.Rows(hours));
        Assert.Equal(4, hours.GetProperty("meta").GetProperty("time_labels").GetArrayLength());

        // Compared with as long just before: the first minute and the one before it.
        var compared = await Query($"\"metrics\": [\"visitors\"], {NextMinutes}, \"include\": {{\"comparisons\": {{\"mode\": \"previous_period\"}}}}");
        Assert.Equal(6, compared.GetProperty("results")[0].GetProperty("comparison").GetProperty("metrics")[0].GetInt32());
        Assert.Equal("""["2026-11-10T11:59:00+00:00","2026-11-10T12:00:59+00:00"]""", compared.GetProperty("meta").GetProperty("comparison_date_range").GetRawText());
    }

    [Fact]
    public async Task The_last_24_hours_are_up_to_now()
    {
        var shop = await _app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        await _app.Get<EventWriter>().WriteAsync([
            TestData.Event(shop.Site.Id, now.AddHours(-1), 1), TestData.Event(shop.Site.Id, now.AddHours(-23), 2),
            TestData.Event(shop.Site.Id, now.AddHours(-25), 3), TestData.Event(shop.Site.Id, now.AddHours(-26), 3, "/hats"),
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        var api = ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id));

        var last = await StatsQueryShop.QueryAsync(api, shop, "\"metrics\": [\"visitors\", \"pageviews\"], \"date_range\": \"24h\"");
        Assert.Equal(["2,2"], StatsQueryShop.Rows(last));
        var hourly = await StatsQueryShop.QueryAsync(api, shop, "\"metrics\": [\"visitors\"], \"date_range\": \"24h\", \"dimensions\": [\"time\"]");
        Assert.Equal(2, hourly.GetProperty("results").GetArrayLength());
        Assert.All(hourly.GetProperty("results").EnumerateArray(), r => Assert.Equal(19, r.GetProperty("dimensions")[0].GetString()!.Length));   // hours
        // Against the 24 hours before them: visitor 3's two pageviews.
        var compared = await StatsQueryShop.QueryAsync(api, shop, """
            "metrics": ["pageviews"], "date_range": "24h", "include": {"comparisons": {"mode": "previous_period"}}
            """);
        Assert.Equal(2, compared.GetProperty("results")[0].GetProperty("comparison").GetProperty("metrics")[0].GetInt32());
    }

    [Theory]
    [InlineData("""["2026-11-10T12:00:00", "2026-11-10T13:00:00"]""", "two times of day with their offsets")]
    [InlineData("""["2026-11-10T12:00:00Z", "2026-11-10"]""", "two times of day with their offsets")]
    [InlineData("""["2026-11-10T13:00:00Z", "2026-11-10T12:00:00Z"]""", "'date_range' must not end before it starts.")]
    [InlineData("""["2020-01-01T00:00:00Z", "2026-11-10T12:00:00Z"]""", "'date_range' can span at most")]
    [InlineData("\"48h\"", "'date_range' '48h' is not supported")]
    [InlineData("""["0001-01-01T00:00:00Z", "0001-01-01T00:00:01Z"]""", "'date_range' must lie between 1970-01-01 and 2999-12-31.")]
    [InlineData("""["9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"]""", "'date_range' must lie between")]
    [InlineData("""["0001-01-01", "0001-01-02"]""", "'date_range' must lie between")]
    [InlineData("""["9999-12-30", "9999-12-31"]""", "'date_range' must lie between")]
    public async Task Hours_it_cannot_read_are_a_400_that_says_why(string range, string detail)
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query",
            $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], "date_range": {{range}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(detail, ApiClient.Detail(problem));
    }
}
