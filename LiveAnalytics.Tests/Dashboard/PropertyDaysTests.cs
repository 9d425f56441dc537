using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The custom properties' day rollup: closed days made once and kept, made again when their events change; today always afresh.</summary>
public sealed class PropertyDaysTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private CustomProperties Properties => _app.Get<CustomProperties>();
    private static readonly DateOnly Oct10 = new(2026, 10, 10), Oct11 = new(2026, 10, 11);
    private static DateTimeOffset At(DateOnly day, int minutes) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(minutes);

    private static TrackedEvent Signup(Site site, DateTimeOffset at, long visitor, string plan) =>
        TestData.Event(site.Id, at, visitor, "/signup", "Signup") with { Props = $$"""{"plan":"{{plan}}"}""" };

    /// <summary>10 October: visitors 1 and 2 sign up on "pro", 3 on "free". 11 October: visitor 1 again on "pro", 4 on "free".</summary>
    private async Task<Merchant> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        await WriteAsync(shop.Site, Signup(shop.Site, At(Oct10, 600), 1, "pro"), Signup(shop.Site, At(Oct10, 610), 2, "pro"),
            Signup(shop.Site, At(Oct10, 620), 3, "free"), Signup(shop.Site, At(Oct11, 600), 1, "pro"), Signup(shop.Site, At(Oct11, 610), 4, "free"));
        return shop;
    }

    private async Task WriteAsync(Site site, params TrackedEvent[] events)
    {
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(site.Id);
    }

    private async Task<IEnumerable<(string, long, long)>> PlansAsync(Site site, DateOnly first, DateOnly last) =>
        (await Properties.ValuesAsync(site, first, last, "plan", EventFilter.None, 10)).Select(r => (r.Value, r.Counts.Visitors, r.Counts.Events));

    private async Task<Dictionary<DateOnly, long>> MadeAsync(Site site)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return (await conn.QueryAsync<(DateTime Day, long Events)>("SELECT day, events FROM property_days_made WHERE site_id = @Id", new { site.Id }))
            .ToDictionary(r => DateOnly.FromDateTime(r.Day), r => r.Events);
    }

    private async Task<int> ExecuteAsync(string sql, object args)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return await conn.ExecuteAsync(sql, args);
    }

    [Fact]
    public async Task A_closed_day_is_read_from_the_events_once_then_from_its_kept_rows_until_its_events_change()
    {
        var shop = await ShopAsync();
        // Visitor 1, on "pro" both days, counts once (ties by visitors go by value).
        Assert.Equal([("free", 2L, 2L), ("pro", 2L, 3L)], await PlansAsync(shop.Site, Oct10, Oct11));
        Assert.Equal(new Dictionary<DateOnly, long> { [Oct10] = 3, [Oct11] = 2 }, await MadeAsync(shop.Site));

        // Read from the kept rows: altered, they show.
        Assert.Equal(1, await ExecuteAsync("UPDATE property_days SET events = 40 WHERE site_id = @Id AND day = @Oct10 AND value = 'free'", new { shop.Site.Id, Oct10 }));
        Assert.Equal([("free", 2L, 41L), ("pro", 2L, 3L)], await PlansAsync(shop.Site, Oct10, Oct11));

        // An event imported late into 10 October: that day is made again (the 11th stays as it is); read up to today, the
        // day and today are two reads of the events, not one of every day between.
        await WriteAsync(shop.Site, Signup(shop.Site, At(Oct10, 700), 5, "team"), Signup(shop.Site, DateTimeOffset.UtcNow.AddMinutes(-1), 6, "team"));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal([("free", 2L, 2L), ("pro", 2L, 3L), ("team", 2L, 2L)], await PlansAsync(shop.Site, Oct10, today));
        Assert.Equal([("free", 2L, 2L), ("pro", 2L, 3L), ("team", 1L, 1L)], await PlansAsync(shop.Site, Oct10, Oct11));
        Assert.Equal(new Dictionary<DateOnly, long> { [Oct10] = 4, [Oct11] = 2 }, (await MadeAsync(shop.Site)).Where(d => d.Key < today.AddDays(-1)).ToDictionary());
        Assert.Equal(["plan"], await Properties.NamesAsync(shop.Site, Oct10, Oct11, EventFilter.None));
    }

    [Fact]
    public async Task A_day_keeps_a_names_most_visited_values_and_counts_all_of_them_in_the_names_total()
    {
        var shop = await _app.MerchantAsync();
        // 105 orders of one visitor each, one order number each, and 2 sign-ups: "order" is the most used name.
        var orders = Enumerable.Range(1, PropertyDays.ValuesPerDay + 5).Select(i =>
            TestData.Event(shop.Site.Id, At(Oct10, i), 100 + i, "/thanks", "Order") with { Props = $$"""{"order":"A-{{i:000}}"}""" });
        await WriteAsync(shop.Site, [.. orders, Signup(shop.Site, At(Oct10, 600), 1, "pro"), Signup(shop.Site, At(Oct10, 601), 1, "pro")]);

        Assert.Equal(["order", "plan"], await Properties.NamesAsync(shop.Site, Oct10, Oct10, EventFilter.None));
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var kept = (await conn.QueryAsync<(string Name, string? Value, long Events)>(
            "SELECT name, value, events FROM property_days WHERE site_id = @Id ORDER BY name, value", new { shop.Site.Id })).ToList();
        Assert.Equal(PropertyDays.ValuesPerDay, kept.Count(r => r is { Name: "order", Value: not null }));
        Assert.Equal(("order", (string?)null, 105L), kept.Single(r => r is { Name: "order", Value: null }));
        Assert.Equal([("plan", "pro", 2L), ("plan", null, 2L)], kept.Where(r => r.Name == "plan").OrderBy(r => r.Value is null));
        // Ties broken by value: the first 100 order numbers.
        Assert.Equal("A-100", kept.Where(r => r is { Name: "order", Value: not null }).Max(r => r.Value));
    }

    [Fact]
    public async Task A_long_period_with_nothing_kept_is_made_a_month_a_statement_and_read_whole()
    {
        var shop = await _app.MerchantAsync();
        var days = DayPlan.Days(new DateOnly(2026, 8, 1), new DateOnly(2026, 9, 14));   // 45 days, a sign-up a day
        await WriteAsync(shop.Site, [.. days.Select((day, i) => Signup(shop.Site, At(day, 600), i + 1, i % 3 == 0 ? "pro" : "free"))]);
        Assert.Equal([("free", 30L, 30L), ("pro", 15L, 15L)], await PlansAsync(shop.Site, days[0], days[^1]));
        Assert.Equal(days, (await MadeAsync(shop.Site)).Keys.Order());
    }

    [Fact]
    public async Task Yesterday_is_kept_at_midnight_today_never()
    {
        var shop = await _app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await WriteAsync(shop.Site, Signup(shop.Site, now.AddMinutes(-1), 1, "pro"), Signup(shop.Site, new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(-1), 2, "free"));
        Assert.Equal([("free", 1L, 1L), ("pro", 1L, 1L)], await PlansAsync(shop.Site, today.AddDays(-1), today));
        Assert.Equal([today.AddDays(-1)], (await MadeAsync(shop.Site)).Keys);
        Assert.Empty(await PlansAsync(shop.Site, today.AddDays(1), today.AddDays(3)));
    }

    [Fact]
    public async Task The_job_makes_the_closed_days_in_the_background_once_and_not_past_the_retention()
    {
        var shop = await ShopAsync();
        var days = _app.Get<PropertyDays>();
        Assert.Equal(0, await days.FillAsync(shop.Site.Id, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(2, await days.FillAsync(shop.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal([Oct10, Oct11], (await MadeAsync(shop.Site)).Keys.Order());
        Assert.Equal(0, await days.FillAsync(shop.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));

        var other = await ShopAsync();
        await ExecuteAsync("UPDATE sites SET keep_events_days = 30 WHERE id = @Id", new { other.Site.Id });
        Assert.Equal(0, await days.FillAsync(other.Site.Id, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal([("free", 2L, 2L), ("pro", 2L, 3L)], await PlansAsync(other.Site, Oct10, Oct11));
        Assert.Empty(await MadeAsync(other.Site));

        // A new time zone moves every day: what was made goes with the rollups.
        Assert.Null(await _app.Get<SiteTimeZone>().SetAsync(shop.Site, shop.User.Id, "Europe/Berlin"));
        Assert.Empty(await MadeAsync(shop.Site));
    }
}
