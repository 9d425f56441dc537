using Dapper;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>
/// Events stamped further back than a visit lasts (a webhook sent late, history reaching into the present)
/// are settled by their own time, and join the visitor's live visit when the 30-minute rule says they belong to it.
/// </summary>
public sealed class LateEventsTests
{
    private static async Task<Dictionary<string, long>> SessionsAsync(AppFactory app, long siteId)
    {
        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return (await conn.QueryAsync<(string Path, long Session)>("SELECT pathname, session_id FROM events WHERE site_id = @siteId", new { siteId }))
            .ToDictionary(r => r.Path[1..], r => r.Session);
    }

    [Fact]
    public async Task A_webhook_sent_late_joins_the_live_visit_it_happened_in()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(merchant.User.Id);
        Task Send(params (string Path, DateTimeOffset? At)[] items) => TestData.PostPageviewsAsync(app.CreateClient(), key, merchant.Site.Domain, items);
        var began = clock.GetUtcNow();

        // A live visit from 12:00 to 12:40, events 20 minutes apart.
        await Send(("/a", null));
        clock.Advance(TimeSpan.FromMinutes(20));
        await Send(("/b", null));
        clock.Advance(TimeSpan.FromMinutes(20));
        // At 12:40: the live visit's next page, the order it placed at 12:05 (its webhook 35 minutes late),
        // and an event of 11:20, more than 30 minutes before the visit began: another visit.
        await Send(("/c", null), ("/order", began.AddMinutes(5)), ("/earlier", began.AddMinutes(-40)));

        var sessions = await SessionsAsync(app, merchant.Site.Id);
        Assert.Equal(5, sessions.Count);
        Assert.Single(new[] { "a", "b", "c", "order" }.Select(p => sessions[p]).Distinct());
        Assert.NotEqual(sessions["a"], sessions["earlier"]);
    }

    [Fact]
    public async Task History_imported_up_to_the_present_and_the_visitors_next_page_are_one_visit()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 13, 0, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var key = await app.ApiKeyAsync(merchant.User.Id);
        Task Send(params (string Path, DateTimeOffset? At)[] items) => TestData.PostPageviewsAsync(app.CreateClient(), key, merchant.Site.Domain, items);
        var now = clock.GetUtcNow();

        // 40 and 25 minutes ago (settled by their own time), 15 minutes ago (by arrival), then a page now.
        await Send(("/h1", now.AddMinutes(-40)), ("/h2", now.AddMinutes(-25)), ("/recent", now.AddMinutes(-15)));
        await Send(("/now", null));

        var sessions = await SessionsAsync(app, merchant.Site.Id);
        Assert.Equal(4, sessions.Count);
        Assert.Single(sessions.Values.Distinct());
    }
}
