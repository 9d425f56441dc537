using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>
/// Views filtered on a visit's own dimensions, from the table of visits (<see cref="VisitsDashboard"/>): a filter on one
/// value counts what the rollups hold for that value, hour by hour; over whole visits, what the raw events count.
/// </summary>
/// <remarks>Beside the incremental rollup's tests, alone: another class's rollup run would fill the table this one empties.</remarks>
[Collection(nameof(LiveAnalytics.Tests.Stats.IncrementalRollupTests))]
public sealed class VisitsDashboardTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    // Every visit of the shop begins and ends within.
    private static readonly DateTimeOffset From = TestShop.Start.AddHours(-2), To = TestShop.Start.AddDays(4);

    private sealed record Hour(DateTime Bucket, long Visitors, long Pageviews, long Events, long Visits, long Bounces, double Seconds, decimal Revenue);

    private static EventFilter Filter(params string[] filters) =>
        DashboardQueries.Filter(DashboardView.Parse(null, null, null, null, filters, null).View.Filters);

    [Theory]
    [InlineData("source", "Google")]
    [InlineData("source", "")]   // Direct / None
    [InlineData("country", "DE")]
    [InlineData("device", "mobile")]
    [InlineData("entry_page", "/hats")]
    public async Task A_filter_on_one_value_counts_what_the_rollups_hold_for_it_hour_by_hour(string dimension, string value)
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        // A period from an hour within one of the value's visits to an hour within another: they count in part.
        var edges = (await conn.QueryAsync<DateTime>($"""
            SELECT date_trunc('hour', last_ts) FROM visits
            WHERE site_id = @Id AND coalesce({dimension}, '') = @value AND date_trunc('hour', last_ts) > started ORDER BY started
            """, new { site.Id, value })).ToList();
        Assert.True(edges.Count >= 2, "visits of the value run over an hour's start");
        var (from, to) = (new DateTimeOffset(edges[0], TimeSpan.Zero), new DateTimeOffset(edges[^1], TimeSpan.Zero));

        var read = await VisitsDashboard.LoadAsync(_app.Get<NpgsqlDataSource>(), site.Id, Berlin, from, to, "hour",
            Filter($"{dimension}:{value}"), [], limit: 5);

        var hours = new { site.Id, dimension, value, from = TimeZoneInfo.ConvertTime(from, Berlin).DateTime, to = TimeZoneInfo.ConvertTime(to, Berlin).DateTime };
        const string InPeriod = "site_id = @Id AND dimension = @dimension AND value = @value AND hour >= @from AND hour < @to";
        var rollups = (await conn.QueryAsync<Hour>($"""
            SELECT hour AS Bucket, round(hll_cardinality(visitors))::bigint AS Visitors, pageviews AS Pageviews, events AS Events,
                   visits AS Visits, bounces AS Bounces, visit_seconds AS Seconds, revenue AS Revenue
            FROM rollup_hours WHERE {InPeriod} AND (pageviews, events, visits) <> (0, 0, 0)
            ORDER BY hour
            """, hours)).AsList();
        Assert.True(rollups.Count > 5, "the value has visits in many hours");
        var series = read.Series.Where(p => p.Counts != Counts.None)
            .Select(p => new Hour(p.Bucket, p.Counts.Visitors, p.Counts.Pageviews, p.Counts.Events, p.Counts.Visits, p.Counts.Bounces, p.Counts.Seconds, p.Counts.Revenue));
        Assert.Equal(rollups, series);
        var sums = await conn.QuerySingleAsync<(long Visitors, long Pageviews, long Events, long Visits, decimal Revenue)>($"""
            SELECT round(hll_cardinality(hll_union_agg(visitors)))::bigint, sum(pageviews)::bigint, sum(events)::bigint, sum(visits)::bigint, sum(revenue)
            FROM rollup_hours WHERE {InPeriod}
            """, hours);
        Assert.Equal(sums, (read.Totals.Visitors, read.Totals.Pageviews, read.Totals.Events, read.Totals.Visits, read.Totals.Revenue));
    }

    [Theory]
    [InlineData("country:DE")]
    [InlineData("source:Google")]
    [InlineData("entry_page:/hats", "device:desktop")]
    [InlineData("source:", "country:FR")]
    [InlineData("region:Bavaria", "city:")]                 // the visits of Bavaria without a known city
    [InlineData("channel:Organic Search", "page:/hats")]
    [InlineData("exit_page:/cart")]
    [InlineData("page:/hats")]                          // the events' own columns: a visit with one that meets them, only those counted
    [InlineData("page:/cart", "source:Google")]
    [InlineData("event:Order", "entry_page:/")]
    [InlineData("prop:plan:pro")]
    public async Task Over_whole_visits_it_counts_what_the_raw_events_count(params string[] filters)
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        var db = _app.Get<NpgsqlDataSource>();
        var filter = Filter(filters);

        var visits = await VisitsDashboard.LoadAsync(db, site.Id, Berlin, From, To, "month", filter, DashboardDimensions.All, limit: 5);
        var raw = await RawDashboard.LoadAsync(db, site.Id, Berlin, From, To, "month", filter, DashboardDimensions.All, limit: 5);

        Assert.True(visits.Totals.Visits > 0, "the filter keeps some visits");
        Assert.Equal(raw.Totals, visits.Totals);
        Assert.Equal(raw.Series, visits.Series);
        Assert.Equal((await RawDashboard.LoadAsync(db, site.Id, Berlin, From, To, "week", filter, [], limit: 5)).Series,
            (await VisitsDashboard.LoadAsync(db, site.Id, Berlin, From, To, "week", filter, [], limit: 5)).Series);
        foreach (var d in DashboardDimensions.All)
        {
            // The pages' and goals' lists count visitors, pageviews, events and revenue, as the rollups' do.
            var expected = d == DashboardDimensions.Page || d == DashboardDimensions.Event
                ? raw.Tops[d.Key].Select(r => r with { Counts = r.Counts with { Visits = 0, Bounces = 0, Seconds = 0 } })
                : raw.Tops[d.Key];
            Assert.Equal(expected, visits.Tops[d.Key]);
        }
        // The goals card counts the same events.
        var q = _app.Get<StatsQueries>();
        string[] kinds = ["event", "page"], patterns = ["Order", "/hats%"];
        var goals = await q.GoalsAsync(site.Id, From, To, kinds, patterns, filter);
        Assert.True(goals.Sum(g => g.Events) > 0, "the filter keeps some of the goals' events");
        Assert.Equal(goals, await q.GoalsAsync(site.Id, From, To, kinds, patterns, filter, KeptVisits.EventsOf(filter, fromVisits: true)));
    }

    [Fact]
    public async Task A_tab_opened_later_lists_what_the_page_lists()
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        var view = DashboardView.Parse("custom", "2026-10-24", "2026-10-28", null, ["country:DE"], null).View;
        var today = new DateOnly(2026, 10, 30);
        var queries = _app.Get<DashboardQueries>();
        var page = await queries.LoadAsync(site, view, today);
        Assert.True(page.FromVisits);
        foreach (var d in DashboardDimensions.All)
        {
            var tab = await queries.TopAsync(site, view, today, d);
            Assert.True(tab.Count > 0, d.Key);
            Assert.Equal(page.Top(d), tab);
        }
    }

    [Fact]
    public async Task The_dashboard_reads_the_table_once_it_holds_the_period_and_the_raw_events_until_then()
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        var db = _app.Get<NpgsqlDataSource>();
        var view = DashboardView.Parse("custom", "2026-10-24", "2026-10-28", null, ["source:Google"], null).View;
        var today = new DateOnly(2026, 10, 30);
        var whole = await _app.Get<DashboardQueries>().LoadAsync(site, view, today);
        Assert.True(whole.Totals.Visits > 0);

        // The table answers: a visit it says came from Google (the events say Bing) counts.
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            UPDATE visits SET source = 'Google' WHERE site_id = @Id AND session_id = (SELECT min(session_id) FROM visits WHERE site_id = @Id AND source = 'Bing')
            """, new { site.Id });
        Assert.Equal(whole.Totals.Visits + 1, (await _app.Get<DashboardQueries>().LoadAsync(site, view, today)).Totals.Visits);

        // Under a filter on a page too: a visit the table holds as an hour longer counts an hour longer.
        var onPage = DashboardView.Parse("custom", "2026-10-24", "2026-10-28", null, ["page:/hats", "source:Google"], null).View;
        var hats = await _app.Get<DashboardQueries>().LoadAsync(site, onPage, today);
        Assert.True(hats.FromVisits && hats.Totals.Visits > 0 && hats.Totals.Visits < whole.Totals.Visits, "some of Google's visits saw /hats");
        await conn.ExecuteAsync("""
            UPDATE visits SET last_ts = last_ts + interval '1 hour'
            WHERE site_id = @Id AND session_id = (
                SELECT min(session_id) FROM events
                WHERE site_id = @Id AND pathname = '/hats' AND session_id IN (SELECT session_id FROM visits WHERE site_id = @Id AND source = 'Google'))
            """, new { site.Id });
        var longer = await _app.Get<DashboardQueries>().LoadAsync(site, onPage, today);
        Assert.Equal(hats.Totals.Seconds + 3600, longer.Totals.Seconds, precision: 3);

        // The site's older visits are not in the table yet (an install from before it was kept): the raw events answer.
        await conn.ExecuteAsync("""
            UPDATE sites SET visits_from = @at WHERE id = @Id;
            DELETE FROM visits WHERE site_id = @Id AND started < @at;
            """, new { site.Id, at = TestShop.Start.AddDays(2) });
        var partial = await VisitsDashboard.LoadAsync(db, site.Id, Berlin, From, To, "day", Filter("source:Google"), [], limit: 5);
        Assert.True(partial.Totals.Visits < whole.Totals.Visits, "the table lacks visits");
        Assert.Equivalent(whole.Totals, (await _app.Get<DashboardQueries>().LoadAsync(site, view, today)).Totals, strict: true);
    }
}
