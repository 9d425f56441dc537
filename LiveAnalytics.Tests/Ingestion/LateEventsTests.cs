using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>
/// Events stamped further back than a visit lasts (a webhook sent late, history reaching into the present)
/// are settled by their own time, and join the visitor's live visit when the 30-minute rule says they belong to it.
/// </summary>
public sealed class LateEventsTests
{
    [Fact]
    public async Task A_webhook_sent_late_joins_the_live_visit_it_happened_in()
    {
        await using var shop = await ClockedShop.OpenAsync(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
        var began = shop.Clock.GetUtcNow();

        // A live visit from 12:00 to 12:40, events 20 minutes apart.
        await shop.SendAsync(("/a", null));
        shop.Clock.Advance(TimeSpan.FromMinutes(20));
        await shop.SendAsync(("/b", null));
        shop.Clock.Advance(TimeSpan.FromMinutes(20));
        // At 12:40: the live visit's next page, the order it placed at 12:05 (its webhook 35 minutes late),
        // and an event of 10:40, more than 30 minutes before the visit began: another visit.
        await shop.SendAsync(("/c", null), ("/order", began.AddMinutes(5)), ("/earlier", began.AddMinutes(-80)));
        // Late webhooks sent newest first: 11:50 joins the visit, which then began at 11:50, so 11:25 joins too.
        await shop.SendAsync(("/late-1", began.AddMinutes(-10)));
        await shop.SendAsync(("/late-2", began.AddMinutes(-35)));

        var stored = await shop.StoredAsync();
        Assert.Equal(7, stored.Count);
        Assert.Single(new[] { "a", "b", "c", "order", "late-1", "late-2" }.Select(p => stored[p].Session).Distinct());
        Assert.NotEqual(stored["a"].Session, stored["earlier"].Session);
    }

    [Fact]
    public async Task History_imported_up_to_the_present_and_the_visitors_next_page_are_one_visit()
    {
        await using var shop = await ClockedShop.OpenAsync(new DateTimeOffset(2026, 11, 20, 13, 0, 0, TimeSpan.Zero));
        var now = shop.Clock.GetUtcNow();

        // 40 and 25 minutes ago (settled by their own time), 15 minutes ago (by arrival), then a page now.
        await shop.SendAsync(("/h1", now.AddMinutes(-40)), ("/h2", now.AddMinutes(-25)), ("/recent", now.AddMinutes(-15)));
        await shop.SendAsync(("/now", null));

        var stored = await shop.StoredAsync();
        Assert.Equal(4, stored.Count);
        Assert.Single(stored.Values.Select(v => v.Session).Distinct());
    }
}
