using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Sites;

/// <summary>A site moves to another time zone: its history is rebuilt into the new zone's days.</summary>
public sealed class SiteTimeZoneTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private SiteTimeZone Zones => _app.Get<SiteTimeZone>();
    private static readonly DateOnly Oct5 = new(2026, 10, 5), Oct6 = new(2026, 10, 6);

    private async Task StoreAsync(params TrackedEvent[] events) =>
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);

    private async Task<long> PageviewsAsync(long siteId, DateOnly day) =>
        (await _app.Get<RollupQueries>().AggregateAsync(siteId, day, day)).Pageviews;

    [Fact]
    public async Task The_history_is_rebuilt_into_the_new_zones_days()
    {
        var shop = await _app.MerchantAsync();   // in UTC
        var late = new DateTimeOffset(2026, 10, 5, 22, 30, 0, TimeSpan.Zero);
        await StoreAsync(TestData.Event(shop.Site.Id, late, 1), TestData.Event(shop.Site.Id, late.AddHours(1), 1),
            TestData.Event(shop.Site.Id, late.AddHours(12), 2));
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Equal((2, 1), (await PageviewsAsync(shop.Site.Id, Oct5), await PageviewsAsync(shop.Site.Id, Oct6)));

        // Berlin is two hours ahead in October: 22:30 and 23:30 UTC are past its midnight.
        Assert.Null(await Zones.SetAsync(shop.Site, shop.User.Id, "Europe/Berlin"));
        Assert.Equal("Europe/Berlin", (await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id))!.Timezone);
        Assert.Equal(0, await PageviewsAsync(shop.Site.Id, Oct5));   // gone until rebuilt, never counted in both zones
        Assert.True((await _app.Get<RollupBackfill>().ProgressAsync(shop.Site.Id))!.Running);

        // An event stored meanwhile is counted once, whether the rollup or the rebuild takes it first.
        await StoreAsync(TestData.Event(shop.Site.Id, late.AddHours(13), 3));
        await _app.Get<RollupBackfill>().MarkAsync(shop.Site.Id, CancellationToken.None);   // the job Hangfire runs
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Equal((0, 4), (await PageviewsAsync(shop.Site.Id, Oct5), await PageviewsAsync(shop.Site.Id, Oct6)));
        Assert.False((await _app.Get<RollupBackfill>().ProgressAsync(shop.Site.Id))!.Running);
        Assert.Null(await Zones.SetAsync(shop.Site with { Timezone = "Europe/Berlin" }, shop.User.Id, "Europe/Berlin"));   // no change, no rebuild
    }

    [Fact]
    public async Task Viewers_and_unknown_zones_are_refused()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        Assert.Equal(SiteTeam.SettingsRefused, await Zones.SetAsync(shop.Site, viewer.Id, "Europe/Berlin"));
        Assert.Contains("not a time zone", await Zones.SetAsync(shop.Site, shop.User.Id, "Mars/Olympus_Mons"));
        Assert.Contains("not a time zone", await Zones.SetAsync(shop.Site, shop.User.Id, ""));
        Assert.Equal("UTC", (await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id))!.Timezone);
    }

    [Fact]
    public async Task A_site_whose_history_outlived_its_raw_events_keeps_its_zone()
    {
        var now = DateTimeOffset.UtcNow;
        var shop = await _app.MerchantAsync();
        Assert.Null(await _app.Get<EventRetention>().SetAsync(shop.Site, shop.User.Id, 30));
        await StoreAsync(TestData.Event(shop.Site.Id, now.AddDays(-3), 1));
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Null(await Zones.SetAsync(shop.Site, shop.User.Id, "America/New_York"));   // every day it holds can be rebuilt

        await StoreAsync(TestData.Event(shop.Site.Id, now.AddDays(-40), 2));
        await _app.RollUpAsync(shop.Site.Id);
        var refused = await Zones.SetAsync(shop.Site, shop.User.Id, "Asia/Tokyo");
        Assert.Contains("keeps them 30 days", refused);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal("America/New_York", await conn.ExecuteScalarAsync<string>("SELECT timezone FROM sites WHERE id = @Id", new { shop.Site.Id }));
    }
}
