using Dapper;
using LiveAnalytics.Demo;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Demo;

/// <summary>The demo site's past: stored as an import of history is, rolled up, once.</summary>
public sealed class DemoHistoryTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task A_new_demo_site_gets_its_past_once_with_visits_sessions_and_sales_every_day()
    {
        var shop = await _app.MerchantAsync();
        var history = _app.Get<DemoHistory>();
        var stored = await history.FillAsync(shop.Site.Domain, days: 3, CancellationToken.None);
        Assert.InRange(stored, 3 * 100 * 3, 3 * 250 * 15);
        await _app.RollUpAsync(shop.Site.Id);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var day in Enumerable.Range(1, 3).Select(d => today.AddDays(-d)))
        {
            var counts = await _app.Get<RollupQueries>().AggregateAsync(shop.Site.Id, day, day);
            Assert.True(counts is { Visitors: > 50, Visits: > 80 } && counts.Pageviews > counts.Visits, $"{day}: {counts}");
            Assert.True(counts.Revenue > 0, $"{day}: some shoppers buy");
        }
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var (unsettled, latest, reports) = await conn.QuerySingleAsync<(long, DateTimeOffset, long)>("""
            SELECT count(*) FILTER (WHERE session_id = 0), max(ts), (SELECT count(*) FROM engagements WHERE site_id = @Id)
            FROM events WHERE site_id = @Id
            """, new { shop.Site.Id });
        Assert.Equal(0, unsettled);   // every event in a visit, as an import's are
        Assert.True(latest < DateTimeOffset.UtcNow.AddHours(-1), "the last hour is the live shoppers'");
        Assert.True(reports > 0, "pages report how long they were looked at");

        // A site with a past is left alone: a second start adds nothing.
        Assert.Equal(0, await history.FillAsync(shop.Site.Domain, days: 3, CancellationToken.None));
        Assert.Equal(0, await history.FillAsync("no-such-site.example", days: 3, CancellationToken.None));
    }

    [Fact]
    public async Task While_the_demo_runs_its_shoppers_come_from_many_places()
    {
        // The demo's own domain is not registered here, so its live shoppers go nowhere; the history goes to a merchant's.
        await using var app = new AppFactory(new Dictionary<string, string?>
        {
            ["Demo:Traffic"] = "true", ["Demo:Domain"] = $"demo-{Guid.NewGuid():N}.example",
        });
        var shop = await app.MerchantAsync();
        Assert.True(await app.Get<DemoHistory>().FillAsync(shop.Site.Domain, days: 1, CancellationToken.None) > 0);

        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var located = (await conn.QueryAsync<(string? Country, string? City, long Events)>(
            "SELECT country, city, count(*) FROM events WHERE site_id = @Id GROUP BY 1, 2", new { shop.Site.Id })).ToList();
        Assert.True(located.Count(l => l.Country is not null) >= 10, string.Join(", ", located));
        Assert.Contains(located, l => l is { Country: "DE", City: "Berlin" });
        // Each shopper in one place.
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM (SELECT visitor_id FROM events WHERE site_id = @Id GROUP BY 1 HAVING count(DISTINCT coalesce(city, '')) > 1) v
            """, new { shop.Site.Id }));
    }
}
