using System.Net;
using Dapper;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>The tracker's engagement reports: stored once each, summed by page and hour, never shown as events.</summary>
public sealed class EngagementTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task Reports_are_stored_once_and_add_up_to_the_page_views_time_and_depth()
    {
        var shop = await _app.MerchantAsync();
        var domain = shop.Site.Domain;
        var beacons = _app.CreateClient();
        string Report(Guid id, string extra) =>
            $$"""{"n":"engagement","u":"https://{{domain}}/shoes","d":"{{domain}}","i":"{{id}}",{{extra}}}""";
        var (first, later) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        foreach (var beacon in new[]
        {
            TestData.Pageview(domain, "/shoes"),
            TestData.Beacon(Report(first, "\"e\":12000,\"sd\":40,\"f\":1")),
            TestData.Beacon(Report(later, "\"e\":3000,\"sd\":70,\"sp\":40")),
            TestData.Beacon(Report(later, "\"e\":3000,\"sd\":70,\"sp\":40")),   // resent: its answer was lost
        })
        {
            using var response = await beacons.SendAsync(beacon);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await _app.Get<EventHub>().WaitForAsync(shop.Site.Id, s => s.Feed.Count == 1);
        await _app.Get<FlushEventsJob>().RunAsync();
        await _app.Get<FlushEventsJob>().RunAsync();   // a second run changes nothing

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM engagements WHERE site_id = @Id", new { shop.Site.Id }));
        var hour = await conn.QuerySingleAsync<(string Pathname, long Views, long EngagedMs, long Scroll)>(
            "SELECT pathname, views, engaged_ms, scroll FROM engagement_hours WHERE site_id = @Id", new { shop.Site.Id });
        Assert.Equal(("/shoes", 1L, 15000L, 70L), hour);
        // Not an event: neither stored as one nor in the live feed, counters or charts.
        Assert.Equal(["pageview"], await conn.QueryAsync<string>("SELECT name FROM events WHERE site_id = @Id", new { shop.Site.Id }));
        var snapshot = _app.Get<EventHub>().Snapshot(shop.Site.Id);
        Assert.Equal(["pageview"], snapshot.Feed.Select(f => f.Name));
    }

    [Fact]
    public async Task A_deleted_sites_reports_and_sums_go_with_its_events()
    {
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, DateTimeOffset.UtcNow, 1), TestData.Engagement(shop.Site.Id, DateTimeOffset.UtcNow, 1)],
            mayBeRedelivered: false, CancellationToken.None);
        Assert.True(await _app.Get<LiveAnalytics.Sites.SiteDeletion>().DeleteAsync(shop.Site.Id, shop.User.Id));
        await _app.Get<LiveAnalytics.Retention.RetentionJob>().RunAsync(shop.Site.Id, CancellationToken.None);

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("""
            SELECT (SELECT count(*) FROM engagements WHERE site_id = @Id) + (SELECT count(*) FROM engagement_hours WHERE site_id = @Id)
            """, new { shop.Site.Id }));
    }

    [Fact]
    public async Task A_bad_report_is_refused_saying_which_field()
    {
        var shop = await _app.MerchantAsync();
        using var response = await _app.CreateClient().SendAsync(TestData.Beacon(
            $$"""{"n":"engagement","u":"https://{{shop.Site.Domain}}/","d":"{{shop.Site.Domain}}","e":99999999,"sd":40}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'e' must be a whole number from 0 to 1800000", await response.Content.ReadAsStringAsync());
    }
}
