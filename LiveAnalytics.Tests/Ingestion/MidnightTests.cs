using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>Salts rotate at midnight UTC, yet a visit that crosses midnight stays one visitor and one session.</summary>
public sealed class MidnightTests
{
    [Fact]
    public async Task A_visit_across_midnight_keeps_its_visitor_and_session_and_ids_still_rotate_daily()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 23, 59, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();

        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/before-midnight"))).Dispose();
        clock.Advance(TimeSpan.FromMinutes(2));    // 00:01, a new salt
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/after-midnight"))).Dispose();
        // The node that appended them shows them live from memory, with the visitor the script settled.
        var live = await app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 2);
        Assert.Equal(1, live.VisitorsOnline);
        Assert.Single(live.Feed.Select(f => f.VisitorId).Distinct());
        clock.Advance(TimeSpan.FromHours(1));      // 01:01: yesterday's sessions are long over
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/next-visit"))).Dispose();

        var events = (await app.StreamEventsAsync()).Select(e => e.Event).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(events[0].VisitorId, events[1].VisitorId);
        Assert.Equal(events[0].SessionId, events[1].SessionId);
        Assert.NotEqual(events[0].VisitorId, events[2].VisitorId);
        Assert.Equal(events[0].VisitorId, live.Feed[0].VisitorId);
    }

    [Fact]
    public async Task An_import_running_across_midnight_keeps_its_visits_whole()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 23, 59, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(merchant.User.Id);
        var client = app.CreateClient();
        var visitStarted = clock.GetUtcNow().AddDays(-2);
        Task Import(string path, DateTimeOffset at) => TestData.PostPageviewsAsync(client, key, merchant.Site.Domain, (path, at));

        await Import("/first", visitStarted);
        clock.Advance(TimeSpan.FromMinutes(2));    // 00:01, a new salt: the visitor's id changes
        await Import("/second", visitStarted.AddMinutes(10));
        clock.Advance(TimeSpan.FromHours(1));      // 01:01: yesterday's salt is no longer tried
        await Import("/later", visitStarted.AddMinutes(20));

        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Path, long Visitor, long Session)>(
            "SELECT pathname, visitor_id, session_id FROM events WHERE site_id = @Id ORDER BY ts", new { merchant.Site.Id })).ToList();
        Assert.Equal(["/first", "/second", "/later"], rows.Select(r => r.Path));
        Assert.Equal((rows[0].Visitor, rows[0].Session), (rows[1].Visitor, rows[1].Session));
        // A day's ids cannot be linked to the next day's once yesterday's salt is past: a new visitor and visit.
        Assert.NotEqual(rows[0].Visitor, rows[2].Visitor);
        Assert.NotEqual(rows[0].Session, rows[2].Session);
    }

    [Fact]
    public async Task Imported_history_has_a_visitor_id_a_day_as_live_traffic_has()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 20, 0, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(merchant.User.Id);
        DateTimeOffset At(int day, int hour, int minute) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

        // One visitor, live now and imported over four days in one request; one visit crosses midnight.
        await TestData.PostPageviewsAsync(app.CreateClient(), key, merchant.Site.Domain, ("/live", null),
            ("/17-a", At(17, 22, 0)), ("/17-b", At(17, 22, 10)), ("/18-late", At(18, 23, 50)), ("/19-early", At(19, 0, 10)),
            ("/19", At(19, 15, 0)), ("/20", At(20, 9, 0)));

        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Path, long Visitor, long Session)>(
            "SELECT pathname, visitor_id, session_id FROM events WHERE site_id = @Id", new { merchant.Site.Id })).ToDictionary(r => r.Path[1..]);
        Assert.Equal(7, rows.Count);
        Assert.Equal((rows["17-a"].Visitor, rows["17-a"].Session), (rows["17-b"].Visitor, rows["17-b"].Session));
        // The visit across midnight stays one, under the id it began with, as a live one does.
        Assert.Equal((rows["18-late"].Visitor, rows["18-late"].Session), (rows["19-early"].Visitor, rows["19-early"].Session));
        // No id links two days; today's history shares today's id with the live visit (another visit).
        Assert.Equal(4, new[] { "17-a", "18-late", "19", "20" }.Select(p => rows[p].Visitor).Distinct().Count());
        Assert.Equal(rows["live"].Visitor, rows["20"].Visitor);
        Assert.NotEqual(rows["live"].Session, rows["20"].Session);

        // So the history counts the visitor once a day, as live traffic would (over the four days: four).
        await app.RollUpAsync(merchant.Site.Id);
        var history = app.Get<LiveAnalytics.Stats.RollupQueries>();
        Assert.Equal(1, (await history.AggregateAsync(merchant.Site.Id, new(2026, 11, 17), new(2026, 11, 17))).Visitors);
        Assert.Equal(1, (await history.AggregateAsync(merchant.Site.Id, new(2026, 11, 20), new(2026, 11, 20))).Visitors);
        Assert.Equal(4, (await history.AggregateAsync(merchant.Site.Id, new(2026, 11, 17), new(2026, 11, 20))).Visitors);
    }
}
