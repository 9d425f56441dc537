using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

/// <summary>Hourly rollups against the raw events: local days in a half-hour zone, late events, redeliveries, visit attribution.</summary>
public sealed class RollupTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Nov1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Day(long Pageviews, long Events, decimal Revenue, long Visits, long Bounces, double VisitSeconds, long Visitors);

    private async Task<Site> SiteAsync(string timezone)
    {
        var user = await _app.UserAsync();
        return (await _app.Get<SiteRepository>().CreateAsync(user.Id,
            new NewSite { Domain = TestData.UniqueDomain(), Name = "Rollups", Timezone = timezone }))!;
    }

    private async Task WriteAsync(params TrackedEvent[] events)
    {
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(events[0].SiteId);
    }

    /// <summary>The totals of one local day, summed from the hourly rows (dimension '' value '').</summary>
    private async Task<Day> DayAsync(long siteId, string localDate, string dimension = "", string value = "")
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return await conn.QuerySingleAsync<Day>("""
            SELECT coalesce(sum(pageviews), 0)::bigint AS Pageviews, coalesce(sum(events), 0)::bigint AS Events,
                   coalesce(sum(revenue), 0) AS Revenue, coalesce(sum(visits), 0)::bigint AS Visits,
                   coalesce(sum(bounces), 0)::bigint AS Bounces, coalesce(sum(visit_seconds), 0) AS VisitSeconds,
                   coalesce(round(hll_cardinality(hll_union_agg(visitors))), 0)::bigint AS Visitors
            FROM rollup_hours
            WHERE site_id = @siteId AND dimension = @dimension AND value = @value AND hour::date = @day::date
            """, new { siteId, dimension, value, day = localDate });
    }

    private static TrackedEvent Pageview(long siteId, DateTimeOffset at, long visitor, string path = "/", string? source = null) =>
        TestData.Event(siteId, at, visitor, path) with { Source = source };

    [Fact]
    public async Task Days_are_the_sites_local_days_in_a_half_hour_zone()
    {
        // India is UTC+5:30: 18:20 UTC on 1 November is 23:50 there, 18:35 UTC is already 00:05 on the 2nd.
        var site = await SiteAsync("Asia/Kolkata");
        await WriteAsync(
            Pageview(site.Id, Nov1.AddHours(10), 3, "/hats"),
            TestData.Event(site.Id, Nov1.AddHours(10).AddMinutes(1), 3, "/checkout", "Order") with { RevenueAmount = 10.5m, RevenueCurrency = "EUR" },
            Pageview(site.Id, Nov1.AddHours(18).AddMinutes(20), 1, "/", "Google"),
            Pageview(site.Id, Nov1.AddHours(18).AddMinutes(35), 1, "/hats"),
            Pageview(site.Id, Nov1.AddHours(19), 2, "/"));

        var first = await DayAsync(site.Id, "2026-11-01");
        // Visitor 1's visit began on the 1st (local) and counts there once, with both its pageviews as its length.
        Assert.Equal(new Day(Pageviews: 2, Events: 3, Revenue: 10.5m, Visits: 2, Bounces: 1, VisitSeconds: 60 + 900, Visitors: 2), first);
        var second = await DayAsync(site.Id, "2026-11-02");
        Assert.Equal(new Day(Pageviews: 2, Events: 2, Revenue: 0, Visits: 1, Bounces: 1, VisitSeconds: 0, Visitors: 2), second);

        // The same from the raw events, in the site's zone.
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var raw = await conn.QuerySingleAsync<(long Pageviews, long Visitors)>("""
            SELECT count(*) FILTER (WHERE name = 'pageview'), count(DISTINCT visitor_id) FROM events
            WHERE site_id = @Id AND (ts AT TIME ZONE 'Asia/Kolkata')::date = '2026-11-02'
            """, new { site.Id });
        Assert.Equal((second.Pageviews, second.Visitors), raw);
    }

    [Fact]
    public async Task A_late_event_re_rolls_its_hour_and_the_hour_its_visit_began()
    {
        var site = await SiteAsync("Europe/Berlin");
        await WriteAsync(Pageview(site.Id, Nov1.AddHours(9).AddMinutes(50), 7, "/", "Newsletter"));
        Assert.Equal((1L, 1L), ((await DayAsync(site.Id, "2026-11-01")).Visits, (await DayAsync(site.Id, "2026-11-01")).Bounces));

        // Twenty minutes later, in the next hour (and stored later still), the visitor saw a second page.
        await WriteAsync(Pageview(site.Id, Nov1.AddHours(10).AddMinutes(10), 7, "/shoes"));
        var day = await DayAsync(site.Id, "2026-11-01");
        Assert.Equal((2L, 1L, 0L, 1200.0), (day.Pageviews, day.Visits, day.Bounces, day.VisitSeconds));
        var daily = await _app.Get<RollupQueries>().AggregateAsync(site.Id, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 1));
        Assert.Equal((2L, 1L, 0L, 1200.0), (daily.Pageviews, daily.Visits, daily.Bounces, daily.Seconds));   // the day's row followed

        // The visit's source is its first event's, for both its pageviews; its exit page is the last.
        var newsletter = await DayAsync(site.Id, "2026-11-01", "source", "Newsletter");
        Assert.Equal((2L, 1L), (newsletter.Pageviews, newsletter.Visits));
        Assert.Equal(1L, (await DayAsync(site.Id, "2026-11-01", "exit_page", "/shoes")).Visits);
        Assert.Equal(1L, (await DayAsync(site.Id, "2026-11-01", "page", "/shoes")).Pageviews);
        Assert.Equal(0L, (await DayAsync(site.Id, "2026-11-01", "exit_page", "/")).Visits);
    }

    [Fact]
    public async Task A_redelivered_batch_counts_once()
    {
        var site = await SiteAsync("Etc/UTC");
        var batch = Enumerable.Range(0, 20).Select(i => Pageview(site.Id, Nov1.AddHours(12).AddMinutes(i), 100 + i % 4)).ToArray();
        await WriteAsync(batch);
        await _app.Get<EventWriter>().WriteAsync(batch, mayBeRedelivered: true, CancellationToken.None);
        await _app.RollUpAsync(site.Id);
        var day = await DayAsync(site.Id, "2026-11-01");
        Assert.Equal((20L, 4L, 4L), (day.Pageviews, day.Visits, day.Visitors));
    }

    [Fact]
    public async Task Every_marked_hour_is_rolled_up_across_slices_and_a_DST_change()
    {
        var site = await SiteAsync("America/New_York");
        await WriteAsync(Enumerable.Range(0, 60).Select(i => Pageview(site.Id, Nov1.AddHours(i), 1)).ToArray());
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM rollup_dirty_hours WHERE site_id = @Id", new { site.Id }));
        // 60 UTC hours, more than one run's slice. 1 November 2026 ends daylight saving time in New York:
        // local 01:00 comes twice, so 60 UTC hours are 59 local ones and that hour holds two pageviews.
        var hours = (await conn.QueryAsync<(DateTime Hour, long Pageviews)>(
            "SELECT hour, pageviews FROM rollup_hours WHERE site_id = @Id AND dimension = '' ORDER BY hour", new { site.Id })).ToList();
        Assert.Equal(59, hours.Count);
        Assert.Equal(60, hours.Sum(h => h.Pageviews));
        Assert.Equal((new DateTime(2026, 11, 1, 1, 0, 0), 2L), hours.Single(h => h.Pageviews == 2));
    }

    [Fact]
    public async Task Several_sites_days_are_read_at_once_each_in_its_zone()
    {
        var london = await SiteAsync("Europe/London");
        var auckland = await SiteAsync("Pacific/Auckland");
        var quiet = await SiteAsync("UTC");
        // 1 November 20:00 UTC is the 1st in London and already the 2nd in Auckland (13 hours ahead).
        await WriteAsync(Pageview(london.Id, Nov1.AddHours(20), 1), Pageview(london.Id, Nov1.AddHours(20).AddMinutes(1), 1, "/b"));
        await WriteAsync(Pageview(auckland.Id, Nov1.AddHours(20), 2));

        var days = await _app.Get<RollupQueries>().DaysAsync(
            [(london.Id, new DateOnly(2026, 11, 1)), (auckland.Id, new DateOnly(2026, 11, 2)), (quiet.Id, new DateOnly(2026, 11, 1))]);
        Assert.Equal((1L, 2L), (days[london.Id].Visitors, days[london.Id].Pageviews));
        Assert.Equal((1L, 1L), (days[auckland.Id].Visitors, days[auckland.Id].Pageviews));
        Assert.Equal(Counts.None, days[quiet.Id]);
        Assert.Equal(0L, (await _app.Get<RollupQueries>().DaysAsync([(auckland.Id, new DateOnly(2026, 11, 1))]))[auckland.Id].Pageviews);
    }

    [Fact]
    public async Task Marks_left_by_a_deleted_site_do_not_hold_up_the_others()
    {
        var site = await SiteAsync("Etc/UTC");
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        // A site id below every real one, as a deleted site's marks would be taken first.
        await conn.ExecuteAsync("INSERT INTO rollup_dirty_hours (site_id, hour) VALUES (-1, @hour) ON CONFLICT DO NOTHING", new { hour = Nov1.UtcDateTime });
        await WriteAsync(Pageview(site.Id, Nov1.AddHours(8), 1));   // writes, then one run of the job
        Assert.Equal(1L, (await DayAsync(site.Id, "2026-11-01")).Pageviews);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM rollup_dirty_hours WHERE site_id IN (-1, @Id)", new { site.Id }));
    }

    [Fact]
    public async Task Rollup_reads_agree_with_the_raw_event_queries()
    {
        var site = await SiteAsync("Europe/Berlin");
        var random = new Random(5);
        var sources = new[] { "Google", "Newsletter", null };
        var events = new List<TrackedEvent>();
        for (var visitor = 1; visitor <= 40; visitor++)
        {
            // Visits within 2 and 3 November (Berlin), 1 to 4 pageviews a few minutes apart.
            var start = new DateTimeOffset(2026, 11, 1, 23, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 2 * 24 * 60 - 60));
            var source = sources[visitor % 3];
            for (var n = 0; n < 1 + visitor % 4; n++)
                events.Add(Pageview(site.Id, start.AddMinutes(3 * n), visitor, $"/p{random.Next(5)}", n == 0 ? source : null));
        }
        await WriteAsync([.. events]);

        var rollups = _app.Get<RollupQueries>();
        var raw = _app.Get<StatsQueries>();
        var (from, to) = (new DateTimeOffset(2026, 11, 1, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 3, 23, 0, 0, TimeSpan.Zero));   // Berlin's 2 and 3 November
        var total = await rollups.AggregateAsync(site.Id, new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3));
        Assert.Equal(await raw.AggregateAsync(site.Id, from, to), total);   // small sets: the sketch is exact

        var days = await rollups.SeriesAsync(site.Id, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 3), "day");
        Assert.Equal(3, days.Count);
        Assert.Equal(Counts.None with { }, days[0].Counts with { });
        Assert.Equal(total.Pageviews, days.Sum(d => d.Counts.Pageviews));
        Assert.Equal(total.Visits, days.Sum(d => d.Counts.Visits));

        var pages = await rollups.TopAsync(site.Id, new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3), "page", 10);
        var rawPages = await raw.BreakdownAsync(site.Id, from, to, "pathname", "", "visitors", 10, 0, EventFilter.None);
        Assert.Equal(rawPages.Select(p => (p.Value, p.Counts.Visitors, p.Counts.Pageviews)), pages.Select(p => (p.Value, p.Counts.Visitors, p.Counts.Pageviews)));
        var google = (await rollups.TopAsync(site.Id, new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3), "source", 10)).Single(s => s.Value == "Google");
        Assert.Equal(events.Count(e => e.Source == "Google"), google.Counts.Visits);   // one visit per visitor, its first pageview names the source
        Assert.Equal(events.Count(e => e.VisitorId % 3 == 0), google.Counts.Pageviews);   // and the visit's later pageviews count for it too
        // The raw events' breakdown, as the Stats API and the filtered dashboard read it, counts each visit under its source
        // with all its pageviews, as the rollups do; by each event's own source the later pageviews were Direct visits.
        var bySource = await rollups.TopAsync(site.Id, new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3), "source", 10);
        var rawSources = await raw.BreakdownAsync(site.Id, from, to, "source", "", "visitors", 10, 0, EventFilter.None);
        // Entry and exit pages too: each visit under its first and last pageview.
        var entries = await rollups.TopAsync(site.Id, new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3), "entry_page", 10);
        var rawEntries = await raw.BreakdownAsync(site.Id, from, to, "entry_page", "", "visitors", 10, 0, EventFilter.None);
        Assert.Equal(entries.Select(s => (s.Value, s.Counts.Visitors, s.Counts.Pageviews, s.Counts.Visits)).Order(),
            rawEntries.Select(s => (s.Value, s.Counts.Visitors, s.Counts.Pageviews, s.Counts.Visits)).Order());
        var exits = await rollups.TopAsync(site.Id, new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 3), "exit_page", 10);
        var rawExits = await raw.BreakdownAsync(site.Id, from, to, "exit_page", "", "visits", 10, 0, EventFilter.None);
        Assert.Equal(exits.Select(s => (s.Value, s.Counts.Visits, s.Counts.Pageviews)).Order(), rawExits.Select(s => (s.Value, s.Counts.Visits, s.Counts.Pageviews)).Order());
        Assert.Equal(bySource.Select(s => (s.Value, s.Counts.Visitors, s.Counts.Pageviews, s.Counts.Visits)).Order(),
            rawSources.Select(s => (s.Value, s.Counts.Visitors, s.Counts.Pageviews, s.Counts.Visits)).Order());
    }

    [Fact]
    public async Task A_top_list_finds_the_value_with_most_visitors_even_when_many_have_more_events()
    {
        var site = await SiteAsync("Etc/UTC");
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        // Forty pages seen 11 times each by one visitor, and one page seen by ten visitors once each.
        await conn.ExecuteAsync("""
            INSERT INTO rollup_days (site_id, day, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
            SELECT @Id, date '2026-11-05', 'page', '/busy-' || n, hll_add_agg(hll_hash_bigint(n)), 11, 11, 0, 0, 0, 0 FROM generate_series(1, 40) n GROUP BY n
            UNION ALL
            SELECT @Id, date '2026-11-05', 'page', '/popular', hll_add_agg(hll_hash_bigint(1000 + v)), 10, 10, 0, 0, 0, 0 FROM generate_series(1, 10) v
            """, new { site.Id });
        var top = await _app.Get<RollupQueries>().TopAsync(site.Id, new DateOnly(2026, 11, 5), new DateOnly(2026, 11, 5), "page", 3);
        Assert.Equal(("/popular", 10L), (top[0].Value, top[0].Counts.Visitors));
        Assert.Equal([1L, 1L], top.Skip(1).Select(t => t.Counts.Visitors));
    }
}
