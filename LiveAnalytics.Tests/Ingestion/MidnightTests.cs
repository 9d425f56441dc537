using LiveAnalytics.Ingestion;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

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
        await using var shop = await ClockedShop.OpenAsync(new DateTimeOffset(2026, 11, 20, 23, 59, 0, TimeSpan.Zero));
        var visitStarted = shop.Clock.GetUtcNow().AddDays(-2);

        await shop.SendAsync(("/first", visitStarted));
        shop.Clock.Advance(TimeSpan.FromMinutes(2));    // 00:01, a new salt: the visitor's id changes
        await shop.SendAsync(("/second", visitStarted.AddMinutes(10)));
        shop.Clock.Advance(TimeSpan.FromHours(1));      // 01:01: yesterday's salt is no longer tried
        await shop.SendAsync(("/later", visitStarted.AddMinutes(20)));

        var stored = await shop.StoredAsync();
        Assert.Equal(3, stored.Count);
        Assert.Equal(stored["first"], stored["second"]);
        // A day's ids cannot be linked to the next day's once yesterday's salt is past: a new visitor and visit.
        Assert.NotEqual(stored["first"].Visitor, stored["later"].Visitor);
        Assert.NotEqual(stored["first"].Session, stored["later"].Session);
    }

    [Fact]
    public async Task Imported_history_has_a_visitor_id_a_day_as_live_traffic_has()
    {
        await using var shop = await ClockedShop.OpenAsync(new DateTimeOffset(2026, 11, 20, 20, 0, 0, TimeSpan.Zero));
        DateTimeOffset At(int day, int hour, int minute) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

        // One visitor, live now and imported over four days in one request; one visit crosses midnight.
        await shop.SendAsync(("/live", null),
            ("/17-a", At(17, 22, 0)), ("/17-b", At(17, 22, 10)), ("/18-late", At(18, 23, 50)), ("/19-early", At(19, 0, 10)),
            ("/19", At(19, 15, 0)), ("/20", At(20, 9, 0)));

        var rows = await shop.StoredAsync();
        Assert.Equal(7, rows.Count);
        Assert.Equal(rows["17-a"], rows["17-b"]);
        // The visit across midnight stays one, under the id it began with, as a live one does.
        Assert.Equal(rows["18-late"], rows["19-early"]);
        // No id links two days; today's history shares today's id with the live visit (another visit).
        Assert.Equal(4, new[] { "17-a", "18-late", "19", "20" }.Select(p => rows[p].Visitor).Distinct().Count());
        Assert.Equal(rows["live"].Visitor, rows["20"].Visitor);
        Assert.NotEqual(rows["live"].Session, rows["20"].Session);

        // So the history counts the visitor once a day, as live traffic would (over the four days: four).
        var siteId = shop.Merchant.Site.Id;
        await shop.App.RollUpAsync(siteId);
        var history = shop.App.Get<LiveAnalytics.Stats.RollupQueries>();
        Assert.Equal(1, (await history.AggregateAsync(siteId, new(2026, 11, 17), new(2026, 11, 17))).Visitors);
        Assert.Equal(1, (await history.AggregateAsync(siteId, new(2026, 11, 20), new(2026, 11, 20))).Visitors);
        Assert.Equal(4, (await history.AggregateAsync(siteId, new(2026, 11, 17), new(2026, 11, 20))).Visitors);
    }
}
