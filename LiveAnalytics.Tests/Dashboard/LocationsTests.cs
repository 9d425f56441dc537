using System.Net;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using static LiveAnalytics.Tests.Infrastructure.ApiClient;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>A visitor's region and city, from a MaxMind City database, on the Locations card, in its filters and in the Stats API.</summary>
public sealed class LocationsTests
{
    private static readonly string CityDatabase = Path.Combine(AppContext.BaseDirectory, "TestData", "geoip", "GeoLite2-City-Test.mmdb");

    [Fact]
    public async Task A_city_database_gives_visits_a_region_and_city_to_list_filter_and_query()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Enrichment:GeoIpDatabase"] = CityDatabase });
        var shop = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(shop.User.Id);
        var now = DateTimeOffset.UtcNow;
        // A visitor from 81.2.69.142 (London, England) through the batch API, which looks the address up; two stored from Sweden.
        await TestData.PostPageviewsAsync(app.CreateClient(), key, shop.Site.Domain, ("/", now.AddMinutes(-2)));
        await app.Get<FlushEventsJob>().RunAsync();
        await app.Get<EventWriter>().WriteAsync([
            TestData.Event(shop.Site.Id, now.AddMinutes(-2), 8, "/hats") with { Country = "SE", Region = "Östergötland County", City = "Linköping" },
            TestData.Event(shop.Site.Id, now.AddMinutes(-2), 9, "/") with { Country = "SE", Region = "Östergötland County", City = "Linköping" },
        ], mayBeRedelivered: false, CancellationToken.None);
        await app.RollUpAsync(shop.Site.Id);

        // From the rollups, the card's tabs; filtered by a city, from the table of visits.
        var today = SiteClock.Today(shop.Site, TimeProvider.System);
        var queries = app.Get<DashboardQueries>();
        var all = await queries.LoadAsync(shop.Site, DashboardView.Parse("today", null, null, null, null, null).View, today);
        Assert.Equal([("Östergötland County", 2L), ("England", 1L)], all.Tops["region"].Select(r => (r.Value, r.Counts.Visitors)));
        Assert.Equal([("Linköping", 2L), ("London", 1L)], all.Tops["city"].Select(r => (r.Value, r.Counts.Visitors)));
        var london = await queries.LoadAsync(shop.Site, DashboardView.Parse("today", null, null, null, ["city:London"], null).View, today);
        Assert.Equal(1, london.Totals.Visitors);
        Assert.Equal([("GB", 1L)], london.Tops["country"].Select(r => (r.Value, r.Counts.Visitors)));
        Assert.True(london.FromVisits);
        var hats = await queries.LoadAsync(shop.Site, DashboardView.Parse("today", null, null, null, ["region:Östergötland County", "page:/hats"], null).View, today);
        Assert.Equal([("Linköping", 1L)], hats.Tops["city"].Select(r => (r.Value, r.Counts.Visitors)));

        // The Stats API's visit:region_name and visit:city_name, as Plausible names them (its visit:region and visit:city are codes).
        var api = For(app, key);
        var (status, cities) = await SendAsync(api, HttpMethod.Get, $"/api/v1/stats/breakdown?site_id={shop.Site.Domain}&period=day&property=visit:city_name");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Linköping=2", "London=1"], cities.GetProperty("results").EnumerateArray()
            .Select(r => $"{r.GetProperty("city_name").GetString()}={r.GetProperty("visitors").GetInt64()}"));
        (status, var england) = await SendAsync(api, HttpMethod.Post, "/api/v2/query", $$"""
            {"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], "date_range": "day", "dimensions": ["visit:city_name"],
             "filters": [["is", "visit:region_name", ["england"], {"case_sensitive": false}]]}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""[{"metrics":[1],"dimensions":["London"]}]""", england.GetProperty("results").GetRawText());
    }
}
