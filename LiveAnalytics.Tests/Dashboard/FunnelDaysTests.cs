using Dapper;
using Hangfire;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>A funnel's day sketches: closed days made once and kept, made again when their events change; the last two days always afresh.</summary>
public sealed class FunnelDaysTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateOnly Oct10 = new(2026, 10, 10), Oct11 = new(2026, 10, 11);
    private static DateTimeOffset At(DateOnly day, int minutes) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(minutes);

    /// <summary>
    /// 10 October: visitor 1 goes from /a to /b, visitor 2 sees /a. 11 October: visitor 3 goes from /a to /b, visitor 1 comes
    /// back to /a. A funnel /a → /b.
    /// </summary>
    private async Task<(Merchant Shop, Funnel Funnel)> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        await WriteAsync(shop.Site,
            TestData.Event(shop.Site.Id, At(Oct10, 600), 1, "/a"), TestData.Event(shop.Site.Id, At(Oct10, 601), 1, "/b"),
            TestData.Event(shop.Site.Id, At(Oct10, 700), 2, "/a"),
            TestData.Event(shop.Site.Id, At(Oct11, 600), 3, "/a"), TestData.Event(shop.Site.Id, At(Oct11, 605), 3, "/b"),
            TestData.Event(shop.Site.Id, At(Oct11, 900), 1, "/a") with { SessionId = 11 });
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "A to B", [(Goal.Page, "/a"), (Goal.Page, "/b")]));
        return (shop, (await _app.Get<Funnels>().ListAsync(shop.Site.Id)).Single());
    }

    private async Task WriteAsync(Site site, params TrackedEvent[] events)
    {
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(site.Id);
    }

    private async Task<Dictionary<DateOnly, long>> KeptAsync(Funnel funnel)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return (await conn.QueryAsync<(DateTime Day, long Events)>("SELECT day, events FROM funnel_days WHERE funnel_id = @Id", new { funnel.Id }))
            .ToDictionary(r => DateOnly.FromDateTime(r.Day), r => r.Events);
    }

    private async Task EmptyKeptDayAsync(Funnel funnel, DateOnly day)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteAsync("UPDATE funnel_days SET steps = ARRAY[hll_empty(@precision), hll_empty(@precision)] WHERE funnel_id = @Id AND day = @day", new { funnel.Id, day, precision = FunnelQuery.Precision }));
    }

    [Fact]
    public async Task A_closed_day_is_read_from_the_events_once_then_from_its_kept_sketches_until_its_events_change()
    {
        var (shop, funnel) = await ShopAsync();
        var funnels = _app.Get<Funnels>();
        // Visitor 1 counts once though the funnel's first step was taken on both days.
        Assert.Equal([3L, 2L], await funnels.CountAsync(shop.Site, funnel, Oct10, Oct11));
        // Each day kept with the events of the day before, the day and the day after (6: all of them).
        Assert.Equal(new Dictionary<DateOnly, long> { [Oct10] = 6, [Oct11] = 6 }, await KeptAsync(funnel));

        // Read from the kept sketches: emptied, 10 October counts nothing.
        await EmptyKeptDayAsync(funnel, Oct10);
        Assert.Equal([2L, 1L], await funnels.CountAsync(shop.Site, funnel, Oct10, Oct11));
        Assert.Equal([0L, 0L], await funnels.CountAsync(shop.Site, funnel, Oct10, Oct10));

        // An event imported late into 10 October: that day and the next, which reads it, are made again.
        await WriteAsync(shop.Site, TestData.Event(shop.Site.Id, At(Oct10, 800), 4, "/a"));
        Assert.Equal([4L, 2L], await funnels.CountAsync(shop.Site, funnel, Oct10, Oct11));
        Assert.Equal(new Dictionary<DateOnly, long> { [Oct10] = 7, [Oct11] = 7 }, await KeptAsync(funnel));
        // Up to today: 10 and 11 October kept, today read, in a read of its own.
        Assert.Null(await funnels.AddAsync(shop.Site, shop.User.Id, "B to A", [(Goal.Page, "/b"), (Goal.Page, "/a")]));
        var back = (await funnels.ListAsync(shop.Site.Id)).Single(f => f.Name == "B to A");
        await WriteAsync(shop.Site, TestData.Event(shop.Site.Id, DateTimeOffset.UtcNow.AddMinutes(-2), 7, "/b"), TestData.Event(shop.Site.Id, DateTimeOffset.UtcNow.AddMinutes(-1), 7, "/a"));
        Assert.Equal([2L, 0L], await funnels.CountAsync(shop.Site, back, Oct10, Oct11));   // visitors 1 and 3 saw /a first
        Assert.Equal([3L, 1L], await funnels.CountAsync(shop.Site, back, Oct10, DateOnly.FromDateTime(DateTime.UtcNow)));
        // Filters read the raw events, exactly.
        var direct = DashboardQueries.Filter([new DashboardFilter("page", "/b")]);
        Assert.Equal([2L, 2L], await funnels.CountAsync(shop.Site, funnel, Oct10, Oct11, direct));
    }

    [Fact]
    public async Task Yesterday_and_today_are_read_afresh_and_never_kept()
    {
        var shop = await _app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await WriteAsync(shop.Site, TestData.Event(shop.Site.Id, now.AddMinutes(-2), 1, "/a"), TestData.Event(shop.Site.Id, now.AddMinutes(-1), 1, "/b"));
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "A to B", [(Goal.Page, "/a"), (Goal.Page, "/b")]));
        var funnel = (await _app.Get<Funnels>().ListAsync(shop.Site.Id)).Single();

        Assert.Equal([1L, 1L], await _app.Get<Funnels>().CountAsync(shop.Site, funnel, today.AddDays(-1), today));
        Assert.Equal([0L, 0L], await _app.Get<Funnels>().CountAsync(shop.Site, funnel, today.AddDays(1), today.AddDays(7)));
        Assert.Empty(await KeptAsync(funnel));
        Assert.Equal(0, await _app.Get<FunnelDays>().FillAsync(shop.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task The_job_makes_the_closed_days_in_the_background_once_and_not_past_the_retention()
    {
        var (shop, funnel) = await ShopAsync();
        var days = _app.Get<FunnelDays>();
        Assert.Equal(0, await days.FillAsync(shop.Site.Id, TimeSpan.Zero, CancellationToken.None));   // out of time before the first
        Assert.Equal(2, await days.FillAsync(shop.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal([Oct10, Oct11], (await KeptAsync(funnel)).Keys.Order());
        Assert.Equal(0, await days.FillAsync(shop.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));
        await EmptyKeptDayAsync(funnel, Oct11);
        Assert.Equal([2L, 1L], await _app.Get<Funnels>().CountAsync(shop.Site, funnel, Oct10, Oct11));

        // Kept for 30 days, October's raw events are on their way out: nothing is made of them, and what was kept stays.
        var (other, otherFunnel) = await ShopAsync();
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE sites SET keep_events_days = 30 WHERE id = @Id", new { other.Site.Id });
        Assert.Equal(0, await days.FillAsync(other.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal([3L, 2L], await _app.Get<Funnels>().CountAsync(other.Site, otherFunnel, Oct10, Oct11));
        Assert.Empty(await KeptAsync(otherFunnel));
    }

    [Fact]
    public async Task A_funnel_added_has_its_past_days_made_by_a_job_enqueued_with_it()
    {
        var (shop, funnel) = await ShopAsync();
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "B to A", [(Goal.Page, "/b"), (Goal.Page, "/a")]));
        var second = (await _app.Get<Funnels>().ListAsync(shop.Site.Id)).Single(f => f.Name == "B to A");
        var enqueued = _app.Get<JobStorage>().GetMonitoringApi().EnqueuedJobs("default", 0, 10_000).Select(j => j.Value.Job)
            .Where(j => j.Type == typeof(FunnelDays) && j.Method.Name == nameof(FunnelDays.MakeNewAsync) && (long)j.Args[0] == shop.Site.Id).ToList();
        Assert.Equal([funnel.Id, second.Id], enqueued.Select(j => (long)j.Args[1]));
        Assert.Empty(await KeptAsync(funnel));

        // What the Hangfire server would run: the first funnel's closed days, and not the second's.
        Assert.Equal(2, await (Task<int>)enqueued[0].Method.Invoke(_app.Get<FunnelDays>(), [.. enqueued[0].Args])!);
        Assert.Equal([Oct10, Oct11], (await KeptAsync(funnel)).Keys.Order());
        Assert.Empty(await KeptAsync(second));
        await EmptyKeptDayAsync(funnel, Oct11);
        Assert.Equal([2L, 1L], await _app.Get<Funnels>().CountAsync(shop.Site, funnel, Oct10, Oct11));
    }

    [Fact]
    public async Task A_long_period_with_nothing_kept_is_made_a_month_a_statement_and_counted_whole()
    {
        var shop = await _app.MerchantAsync();
        // 45 days, a visitor a day going from /a to /b, and one more seeing /a on the last.
        var first = new DateOnly(2026, 8, 1);
        var days = DayPlan.Days(first, first.AddDays(44));
        await WriteAsync(shop.Site, [.. days.SelectMany((day, i) => new[] { TestData.Event(shop.Site.Id, At(day, 600), i + 1, "/a"), TestData.Event(shop.Site.Id, At(day, 601), i + 1, "/b") }),
            TestData.Event(shop.Site.Id, At(days[^1], 900), 99, "/a")]);
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "A to B", [(Goal.Page, "/a"), (Goal.Page, "/b")]));
        var funnel = (await _app.Get<Funnels>().ListAsync(shop.Site.Id)).Single();

        Assert.Equal([46L, 45L], await _app.Get<Funnels>().CountAsync(shop.Site, funnel, days[0], days[^1]));
        Assert.Equal(days, (await KeptAsync(funnel)).Keys.Order());
        Assert.Equal([46L, 45L], await _app.Get<Funnels>().CountAsync(shop.Site, funnel, days[0], days[^1]));
    }

    [Fact]
    public void Estimates_never_grow_down_the_steps() =>
        Assert.Equal([10L, 10L, 3L, 3L, 0L], FunnelDays.Monotonic([10, 11, 3, 4, 0]));
}
