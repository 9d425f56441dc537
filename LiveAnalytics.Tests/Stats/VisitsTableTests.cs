using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Dashboard;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

/// <summary>
/// The table of visits filled from the raw events of an install from before it was kept (<see cref="VisitsFill"/>), and
/// repaired by a rebuild of the rollups (<see cref="HourRebuild"/>): both as the incremental rollup keeps it.
/// </summary>
/// <remarks>Beside the incremental rollup's tests, alone: another class's rollup run would take the batch this one leaves pending.</remarks>
[Collection(nameof(IncrementalRollupTests))]
public sealed class VisitsTableTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private static async Task<List<string>> VisitsAsync(NpgsqlConnection conn, long siteId) =>
        (await conn.QueryAsync<string>("SELECT (to_jsonb(v) - 'seen_at')::text FROM visits v WHERE site_id = @siteId ORDER BY session_id", new { siteId })).AsList();

    [Fact]
    public async Task Older_visits_are_filled_from_the_events_a_day_at_a_time_as_the_rollup_kept_them()
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        var db = _app.Get<NpgsqlDataSource>();
        await using var conn = await db.OpenConnectionAsync();
        var kept = await VisitsAsync(conn, site.Id);
        Assert.Equal(120, kept.Count);

        // As the migration leaves a site that had events: the visits of the last hours only.
        var from = TestShop.Start.AddDays(2);
        await conn.ExecuteAsync("""
            UPDATE sites SET visits_from = @from WHERE id = @Id;
            DELETE FROM visits WHERE site_id = @Id AND started < @from;
            """, new { site.Id, from });
        // An event of an older visit, stored but not rolled up yet: the rollup adds it when it takes its batch, so the fill leaves it out.
        var late = await conn.QuerySingleAsync<(long Session, long Visitor, DateTime Last)>("""
            SELECT session_id, visitor_id, max(ts) FROM events WHERE site_id = @Id GROUP BY 1, 2 HAVING min(ts) < @from ORDER BY 1 LIMIT 1
            """, new { site.Id, from });
        var at = new DateTimeOffset(late.Last, TimeSpan.Zero).AddMinutes(5);
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(site.Id, at, late.Visitor, "/late") with { SessionId = late.Session }],
            mayBeRedelivered: false, CancellationToken.None);

        var steps = 0;
        while (await VisitsFill.RunOnceAsync(db, CancellationToken.None, site.Id)) steps++;

        Assert.InRange(steps, 3, 5);   // two days and a bit of history, then the note that nothing older is left
        Assert.True(await conn.ExecuteScalarAsync<bool>("SELECT visits_from = '-infinity' FROM sites WHERE id = @Id", new { site.Id }));
        var filled = await VisitsAsync(conn, site.Id);
        Assert.Equal(kept, filled);

        await _app.RollUpAsync(site.Id);
        var visit = await conn.QuerySingleAsync<(long Pageviews, DateTime LastTs, string ExitPage)>(
            "SELECT pageviews, last_ts, exit_page FROM visits WHERE site_id = @Id AND session_id = @Session", new { site.Id, late.Session });
        Assert.Equal((at.UtcDateTime, "/late"), (visit.LastTs, visit.ExitPage));
        Assert.Equal(120, (await VisitsAsync(conn, site.Id)).Count);
    }

    [Fact]
    public async Task A_rebuild_of_the_rollups_puts_the_visits_back_as_the_events_say()
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var kept = await VisitsAsync(conn, site.Id);

        await conn.ExecuteAsync("""
            DELETE FROM visits WHERE site_id = @Id AND session_id % 3 = 0;
            UPDATE visits SET source = 'Elsewhere', pageviews = pageviews + 5, exit_page = '/nowhere' WHERE site_id = @Id AND session_id % 3 = 1;
            INSERT INTO rollup_dirty_hours (site_id, hour)
            SELECT DISTINCT site_id, date_trunc('hour', ts, 'UTC') FROM events WHERE site_id = @Id ON CONFLICT DO NOTHING;
            """, new { site.Id });
        await _app.RollUpAsync(site.Id);

        Assert.Equal(kept, await VisitsAsync(conn, site.Id));
    }
}
