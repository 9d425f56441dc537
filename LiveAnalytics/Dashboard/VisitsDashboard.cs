using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// A view filtered on a visit's own dimensions (source, country, entry page, …) and on the events' own columns (a page,
/// a goal, a property) from the table of visits (<see cref="KeptVisits"/>, ADR 7), counted as the rollups count an
/// unfiltered view, so that a filter on one value shows that value's rollup rows: events in their buckets, a visit once,
/// in the bucket where it began, with its whole length and bounce. Under conditions on events, the visits kept are those
/// with an event of the period that meets them, and only such events count (their pageviews, events and revenue).
/// Three reads at once, each on its own connection:
/// <list type="bullet">
/// <item>the kept visits alone: the totals, the visits' own lists (sources, countries, …) and the chart's visits. A visit
/// within the period brings its pageviews, events and revenue from the table; only the few that reach over the period's
/// start or end read their events of the period, within a day of either edge (under conditions on events, every visit
/// counts the events that meet them);</item>
/// <item>their events of the period: the chart's visitors, pageviews, events and revenue, and the events' own lists
/// (pages, goals), which count visitors, pageviews, events and revenue, as the rollups' do;</item>
/// <item>with the pages' list, their pages' engagement.</item>
/// </list>
/// </summary>
internal static class VisitsDashboard
{
    /// <param name="interval">The chart's buckets: hour, day or month; null for no chart.</param>
    /// <param name="filter">Conditions the table of visits answers (<see cref="EventFilter.ByVisits"/>).</param>
    /// <param name="lists">The dashboard's dimensions: a visit's own, or the events' pages and names.</param>
    /// <param name="engagement">With the pages' list, their engagement.</param>
    /// <param name="byRevenue">The lists' rows ranked by the revenue they brought instead of by visitors.</param>
    /// <param name="totals">With the totals; without them (and without a chart), lists of pages or events alone leave the
    /// kept visits' read out: it costs what the events' does (more under conditions on events), for nothing.</param>
    public static async Task<PeriodCounts> LoadAsync(NpgsqlDataSource db, long siteId, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to,
        string? interval, EventFilter filter, IReadOnlyList<DashboardDimension> lists, int limit, bool engagement = true, bool byRevenue = false,
        bool totals = true)
    {
        var indexed = lists.Select((d, i) => (d, i)).ToList();
        var ofVisits = indexed.Where(x => KeptVisits.Columns.Contains(x.d.Column)).ToList();
        var ofEvents = indexed.Where(x => !KeptVisits.Columns.Contains(x.d.Column)).ToList();
        if (ofEvents.Any(x => x.d.Column is not ("pathname" or "name")))
            throw new ArgumentException("Only the visits' own dimensions, pages and event names are listed from the table of visits.", nameof(lists));
        string Columns(IEnumerable<(DashboardDimension d, int i)> l) => string.Concat(l.Select(x => $", coalesce({x.d.Column}, '') AS d{x.i}"));
        // In a CASE of GROUPING SETS: the set that groups by each list's column is that list's.
        string SetOf(IEnumerable<(DashboardDimension d, int i)> l) => string.Concat(l.Select(x => $"WHEN GROUPING(d{x.i}) = 0 THEN {x.i} "));
        string Key(IReadOnlyList<(DashboardDimension d, int i)> l) => l.Count == 0 ? "''" : $"coalesce({string.Join(", ", l.Select(x => $"d{x.i}"))}, '')";
        string Sets(IEnumerable<(DashboardDimension d, int i)> l) => string.Concat(l.Select(x => $", (d{x.i})"));
        // Each read its own parameters: Dapper writes to them as it runs a command.
        var p = Enumerable.Range(0, 3).Select(_ => RawDashboard.Parameters(siteId, zone, from, to, interval ?? "month", filter, lists, limit)).ToArray();

        var visits = !totals && interval is null && ofVisits.Count == 0 ? Task.FromResult(new List<RawDashboard.Row>()) : RawDashboard.RowsAsync(db, $"""
            {KeptRows(filter, Columns(ofVisits))}, counted AS (
                SELECT CASE {SetOf(ofVisits)}WHEN true THEN {RawDashboard.TotalsSet} END AS s, NULL::timestamp AS bucket, {Key(ofVisits)} AS k,
                       count(DISTINCT visitor_id) FILTER (WHERE ev > 0) AS visitors, sum(pv)::bigint AS pageviews, sum(ev)::bigint AS events,
                       sum(revenue) AS revenue, count(*) FILTER (WHERE began) AS visits, count(*) FILTER (WHERE began AND bounce) AS bounces,
                       coalesce(sum(seconds) FILTER (WHERE began), 0)::float8 AS seconds
                FROM v GROUP BY GROUPING SETS (() {Sets(ofVisits)})
                {(interval is null ? "" : $"""
                UNION ALL
                SELECT {RawDashboard.SeriesSet}, bucket, '', 0, 0, 0, 0, count(*), count(*) FILTER (WHERE bounce), sum(seconds)::float8
                FROM v WHERE began GROUP BY bucket
                """)}
            )
            {RawDashboard.Ranked(lists, sessions: null, byRevenue)}
            """, p[0]);
        // The chart's events and the events' lists; with neither, nothing to read.
        var eventSets = (interval is null ? "" : "(bucket)") + Sets(ofEvents);
        var events = eventSets.Length == 0 ? Task.FromResult(new List<RawDashboard.Row>()) : RawDashboard.RowsAsync(db, $"""
            WITH e AS (
                SELECT visitor_id, name, revenue_amount, date_trunc(@interval, ts AT TIME ZONE @tz) AS bucket {Columns(ofEvents)}
                FROM ({KeptVisits.EventsOf(filter, fromVisits: true)}) e
            ), counted AS (
                SELECT CASE {(interval is null ? "" : $"WHEN GROUPING(bucket) = 0 THEN {RawDashboard.SeriesSet} ")}{SetOf(ofEvents)}END AS s,
                       {(interval is null ? "NULL::timestamp" : "bucket")} AS bucket, {Key(ofEvents)} AS k,
                       count(DISTINCT visitor_id) AS visitors, count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events,
                       coalesce(sum(revenue_amount), 0) AS revenue, 0::bigint AS visits, 0::bigint AS bounces, 0::float8 AS seconds
                FROM e GROUP BY GROUPING SETS ({eventSets.TrimStart(',', ' ')})
            )
            {RawDashboard.Ranked(lists, sessions: null, byRevenue)}
            """, p[1]);
        var engaged = engagement && lists.Contains(DashboardDimensions.Page)
            ? RawDashboard.RowsAsync(db, RawDashboard.Engagement(KeptVisits.SessionsOf(filter, fromVisits: true)), p[2])
            : Task.FromResult(new List<RawDashboard.Row>());
        await Task.WhenAll(visits, events, engaged);
        var read = RawDashboard.Collect([.. visits.Result, .. events.Result, .. engaged.Result], from, to, zone, interval ?? "month", lists);
        return read with { Series = interval is null ? [] : read.Series, FromVisits = true };
    }

    /// <summary>
    /// <c>WITH kept AS (…), v AS (…)</c>: the visits <paramref name="filter"/> keeps (<see cref="KeptVisits"/>), each as a
    /// row of v with what it counts in the period: visitor_id, began, bounce, seconds, bucket (where it began, by @interval
    /// in @tz), pv, ev and revenue, and <paramref name="columns"/> (SQL over the table's columns, each after a comma).
    /// </summary>
    internal static string KeptRows(EventFilter filter, string columns)
    {
        // Under conditions on events, a visit's pageviews, events and revenue are those of its events that meet them, read
        // with the kept visits (KeptVisits.Counted); otherwise its row's when it lies within the period, and its events of
        // the period (edge, below) when it reaches over an edge.
        var onEvents = filter.EventOnlySql.Length > 0;
        const string Whole = "k.began AND k.last_ts < @to";
        // kept is read once, so PostgreSQL plans it with what reads it (only the columns v takes); edge finds its few
        // visits in the table on its own rather than in kept, which read twice would be kept whole (every column of every
        // visit: 135 MB written and read back for a month of 570,000 visits).
        return $"""
            WITH kept AS ({(onEvents ? KeptVisits.Counted(filter) : KeptVisits.Sql(filter))}){(onEvents ? "" : $"""
            , edge AS (
                -- A visit that reaches over the period's start or end: its events of the period, within a day of the edge.
                SELECT session_id, count(*) FILTER (WHERE name = 'pageview') AS pv, count(*) AS ev, coalesce(sum(revenue_amount), 0) AS revenue
                FROM events
                WHERE site_id = @siteId AND ((ts >= @from AND ts < least(@to, @from + interval '1 day')) OR (ts >= greatest(@from, @to - interval '1 day') AND ts < @to))
                  AND session_id IN ({KeptVisits.Crossing(filter)})
                GROUP BY session_id
            )
            """)}, v AS (
                SELECT k.visitor_id, k.began, k.pageviews = 1 AS bounce, extract(epoch FROM k.last_ts - k.started)::float8 AS seconds,
                       date_trunc(@interval, k.started AT TIME ZONE @tz) AS bucket,
                       {(onEvents ? "k.counted_pageviews AS pv, k.counted_events AS ev, k.counted_revenue AS revenue" : $"""
                       CASE WHEN {Whole} THEN k.pageviews ELSE coalesce(edge.pv, 0) END AS pv,
                       CASE WHEN {Whole} THEN k.events ELSE coalesce(edge.ev, 0) END AS ev,
                       CASE WHEN {Whole} THEN k.revenue ELSE coalesce(edge.revenue, 0) END AS revenue
                       """)}
                       {columns}
                FROM kept k {(onEvents ? "" : "LEFT JOIN edge USING (session_id)")}
            )
            """;
    }
}
