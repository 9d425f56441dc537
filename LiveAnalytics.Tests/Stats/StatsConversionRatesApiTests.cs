using System.Net;
using System.Text.Json;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>Each value's conversion rate in a Stats API breakdown, under the goal's filter with others and on properties the rollups do not keep.</summary>
public sealed class StatsConversionRatesApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Noon = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// 10 November. From Google: 1 in Germany (home, pricing, signs up on the pro plan), 2 in France (home), 4 in Germany
    /// (pricing, looks at the pro plan). Direct from Germany: 3 (home, signs up on the free plan), 5 (pricing), 6 (home).
    /// </summary>
    private async Task<(HttpClient Api, string Breakdown)> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        TrackedEvent At(int minute, long visitor, string? source, string country, string path, string name = TrackedEvent.Pageview, string? plan = null) =>
            TestData.Event(shop.Site.Id, Noon.AddMinutes(minute), visitor, path, name) with
            {
                Source = source, Country = country, Props = plan is null ? null : $$"""{"plan":"{{plan}}"}""",
            };
        await _app.Get<EventWriter>().WriteAsync([
            At(0, 1, "Google", "DE", "/"), At(1, 1, "Google", "DE", "/pricing"), At(2, 1, "Google", "DE", "/pricing", "Signup", "pro"),
            At(0, 2, "Google", "FR", "/"),
            At(0, 3, null, "DE", "/"), At(1, 3, null, "DE", "/", "Signup", "free"),
            At(0, 4, "Google", "DE", "/pricing"), At(1, 4, "Google", "DE", "/pricing", "Plan viewed", "pro"),
            At(0, 5, null, "DE", "/pricing"),
            At(0, 6, null, "DE", "/"),
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        return (ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id)),
            $"/api/v1/stats/breakdown?site_id={shop.Site.Domain}&period=day&date=2026-11-10&metrics=visitors,conversion_rate");
    }

    private static async Task<List<(string? Value, long Visitors, double Rate)>> RatesAsync(HttpClient api, string url, string key)
    {
        var (status, body) = await ApiClient.SendAsync(api, HttpMethod.Get, url);
        Assert.True(status == HttpStatusCode.OK, $"{url}: {(int)status} {body}");
        return body.GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty(key).GetString(), r.GetProperty("visitors").GetInt64(), r.GetProperty("conversion_rate").GetDouble()))
            .OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    private static string F(string filters) => "&filters=" + Uri.EscapeDataString(filters);

    [Fact]
    public async Task Each_source_converts_out_of_its_own_visitors_under_the_other_filters()
    {
        var (api, breakdown) = await ShopAsync();
        // Germans: Google's 1 and 4 (1 signed up), the direct 3, 5 and 6 (3 did).
        Assert.Equal([("Direct / None", 1, 33.3), ("Google", 1, 50.0)],
            await RatesAsync(api, breakdown + "&property=visit:source" + F("event:goal==Signup;visit:country==DE"), "source"));
        // Of every visitor, as before: Google's three, the direct three.
        Assert.Equal([("Direct / None", 1, 33.3), ("Google", 1, 33.3)],
            await RatesAsync(api, breakdown + "&property=visit:source" + F("event:goal==Signup"), "source"));
    }

    [Fact]
    public async Task Properties_the_rollups_do_not_keep_are_rated_from_the_events()
    {
        var (api, breakdown) = await ShopAsync();
        // Visits that left on /pricing: 1, 4 and 5 (1 signed up); on /: 2, 3 and 6 (3 did).
        Assert.Equal([("/", 1, 33.3), ("/pricing", 1, 33.3)],
            await RatesAsync(api, breakdown + "&property=visit:exit_page" + F("event:goal==Signup"), "exit_page"));
        // The pro plan was on the events of 1 and 4, the free one on 3's; among Google's visitors only 1 and 4.
        Assert.Equal([("free", 1, 100.0), ("pro", 1, 50.0)],
            await RatesAsync(api, breakdown + "&property=event:props:plan" + F("event:goal==Signup"), "plan"));
        Assert.Equal([("pro", 1, 50.0)],
            await RatesAsync(api, breakdown + "&property=event:props:plan" + F("event:goal==Signup;visit:source==Google"), "plan"));
    }
}
