using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// A view filtered on a visit's own dimensions only (source, country, entry page, …) from the table of visits
/// (<see cref="KeptVisits"/>, ADR 7): the visits the filter keeps, then only their events of the period. Counted as the
/// rollups count an unfiltered view, so that a filter on one value shows that value's rollup rows: events in their
/// buckets, a visit once, in the bucket where it began, with its whole length and bounce. The visits' own lists
/// (sources, countries, …) count each visit under its value; the events' (pages, goals) count a visit under every value
/// it touched, as <see cref="RawDashboard"/> does.
/// </summary>
internal static class VisitsDashboard
{
    /// <param name="filter">Conditions on <see cref="KeptVisits.Columns"/> only.</param>
    /// <param name="lists">The dashboard's dimensions: a visit's own, or the events' pages and names.</param>
    public static Task<PeriodCounts> LoadAsync(NpgsqlDataSource db, long siteId, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to,
        string interval, EventFilter filter, IReadOnlyList<DashboardDimension> lists, int limit)
    {
        var indexed = lists.Select((d, i) => (d, i)).ToList();
        var (ofVisits, ofEvents) = (indexed.Where(x => KeptVisits.Columns.Contains(x.d.Column)).ToList(), indexed.Where(x => !KeptVisits.Columns.Contains(x.d.Column)).ToList());
        if (ofEvents.Any(x => x.d.Column is not ("pathname" or "name")))
            throw new ArgumentException("Only the visits' own dimensions, pages and event names are listed from the table of visits.", nameof(lists));
        string Columns(IEnumerable<(DashboardDimension d, int i)> l) => string.Concat(l.Select(x => $", coalesce({x.d.Column}, '') AS d{x.i}"));
        string SetOf(IEnumerable<(DashboardDimension d, int i)> l) => string.Concat(l.Select(x => $" WHEN GROUPING(d{x.i}) = 0 THEN {x.i}"));
        string Key(IReadOnlyList<(DashboardDimension d, int i)> l) => l.Count == 0 ? "''" : $"coalesce({string.Join(", ", l.Select(x => $"d{x.i}"))}, '')";

        return RawDashboard.ReadAsync(db, $"""
            WITH v AS MATERIALIZED (
                SELECT session_id, visitor_id, pageviews, began, extract(epoch FROM last_ts - started)::float8 AS seconds,
                       date_trunc(@interval, started AT TIME ZONE @tz) AS bucket {Columns(ofVisits)}
                FROM ({KeptVisits.Sql(filter)}) v
            ), e AS MATERIALIZED (
                SELECT session_id, name, revenue_amount, date_trunc(@interval, ts AT TIME ZONE @tz) AS bucket {Columns(ofEvents)}
                FROM ({KeptVisits.Events("SELECT session_id FROM v")}) e
            ), per AS (
                -- Each visit's events of the period: all of them, by bucket, and by each of the events' lists' values.
                SELECT CASE WHEN GROUPING(bucket) = 0 THEN {RawDashboard.SeriesSet} {SetOf(ofEvents)} ELSE {RawDashboard.TotalsSet} END AS s,
                       bucket, {Key(ofEvents)} AS k, session_id,
                       count(*) FILTER (WHERE name = 'pageview') AS pv, count(*) AS ev, coalesce(sum(revenue_amount), 0) AS revenue
                FROM e GROUP BY GROUPING SETS ((session_id), (bucket, session_id) {string.Concat(ofEvents.Select(x => $", (d{x.i}, session_id)"))})
            ), counted AS (
                -- The totals and the visits' own lists: each visit once with its events of the period; a visit if it began in it.
                SELECT CASE {(ofVisits.Count == 0 ? "" : $"{SetOf(ofVisits)} ")}WHEN true THEN {RawDashboard.TotalsSet} END AS s,
                       NULL::timestamp AS bucket, {Key(ofVisits)} AS k,
                       count(DISTINCT v.visitor_id) FILTER (WHERE p.session_id IS NOT NULL) AS visitors, coalesce(sum(p.pv), 0)::bigint AS pageviews,
                       coalesce(sum(p.ev), 0)::bigint AS events, coalesce(sum(p.revenue), 0) AS revenue,
                       count(*) FILTER (WHERE v.began) AS visits, count(*) FILTER (WHERE v.began AND v.pageviews = 1) AS bounces,
                       coalesce(sum(v.seconds) FILTER (WHERE v.began), 0)::float8 AS seconds
                FROM v LEFT JOIN per p ON p.session_id = v.session_id AND p.s = {RawDashboard.TotalsSet}
                GROUP BY GROUPING SETS ((){string.Concat(ofVisits.Select(x => $", (d{x.i})"))})
                UNION ALL
                -- The chart: the events in their buckets, the visits in the bucket where they began.
                SELECT {RawDashboard.SeriesSet}, coalesce(a.bucket, b.bucket), '', coalesce(a.visitors, 0), coalesce(a.pageviews, 0),
                       coalesce(a.events, 0), coalesce(a.revenue, 0), coalesce(b.visits, 0), coalesce(b.bounces, 0), coalesce(b.seconds, 0)
                FROM (SELECT p.bucket, count(DISTINCT v.visitor_id) AS visitors, sum(p.pv)::bigint AS pageviews, sum(p.ev)::bigint AS events,
                             sum(p.revenue) AS revenue
                      FROM per p JOIN v USING (session_id) WHERE p.s = {RawDashboard.SeriesSet} GROUP BY p.bucket) a
                FULL JOIN (SELECT bucket, count(*) AS visits, count(*) FILTER (WHERE pageviews = 1) AS bounces, sum(seconds)::float8 AS seconds
                           FROM v WHERE began GROUP BY bucket) b ON a.bucket = b.bucket
                UNION ALL
                -- The events' own lists: a visit counts under every value it touched.
                SELECT p.s, NULL, p.k, count(DISTINCT v.visitor_id), sum(p.pv)::bigint, sum(p.ev)::bigint, sum(p.revenue),
                       count(*), count(*) FILTER (WHERE v.pageviews = 1), coalesce(sum(v.seconds), 0)::float8
                FROM per p JOIN v USING (session_id) WHERE p.s >= 0 GROUP BY p.s, p.k
            )
            {RawDashboard.Ranked(lists, "SELECT session_id FROM v")}
            """, RawDashboard.Parameters(siteId, zone, from, to, interval, filter, lists, limit), from, to, zone, interval, lists);
    }
}
