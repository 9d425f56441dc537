namespace LiveAnalytics.Stats;

/// <summary>
/// A v2 query grouped by several of a visit's own dimensions (source, country, entry page…), and time, read from the
/// table of visits (ADR 7) rather than from the period's events grouped by visit. Counted as the rollups and the
/// one-dimension breakdowns under filters count (<see cref="Dashboard.VisitsDashboard"/>): a visit once, in the bucket
/// where it began, with its whole length and bounce; its events where they happened. Without time only the kept visits
/// are read (and the events of the few that reach over the period's edges); with time, their events of the period too,
/// by when they happened.
/// </summary>
internal static class VisitGroups
{
    /// <summary>The groups as <see cref="StatsQueries.GroupsAsync"/> reads them: <c>k</c>, the keys' values as an array, and the counts.</summary>
    /// <param name="filter">Empty, or conditions the table answers (<see cref="EventFilter.ByVisits"/>).</param>
    /// <param name="keys">Per dimension, SQL over the table's columns; null for the time dimension.</param>
    /// <param name="timeFormat">to_char's pattern of the time dimension's buckets (of @interval in @tz).</param>
    public static string Sql(EventFilter filter, IReadOnlyList<string?> keys, string timeFormat)
    {
        // Grouped by each key's own column (d0, d1…, t for time) and made an array after: sorting arrays costs more.
        var columns = keys.Select((k, i) => k is null ? "t" : $"d{i}").ToList();
        var named = string.Concat(keys.Select((k, i) => k is null ? "" : $", {k} AS d{i}"));
        var byKeys = string.Join(", ", columns);
        var array = $"ARRAY[{byKeys}]";
        if (keys.All(k => k is not null))
            return $"""
                {Dashboard.VisitsDashboard.KeptRows(filter, named)}
                SELECT {array} AS k, count(DISTINCT visitor_id) FILTER (WHERE ev > 0) AS visitors, sum(pv)::bigint AS pageviews,
                       sum(ev)::bigint AS events, count(*) FILTER (WHERE began) AS visits, count(*) FILTER (WHERE began AND bounce) AS bounces,
                       coalesce(sum(seconds) FILTER (WHERE began), 0)::float8 AS seconds, sum(revenue) AS revenue
                FROM v GROUP BY {byKeys} HAVING sum(ev) > 0
                """;
        string Time(string at) => $"date_trunc(@interval, {at} AT TIME ZONE @tz) AS t";
        var formatted = $"ARRAY[{string.Join(", ", columns.Select(c => c == "t" ? $"to_char(t, '{timeFormat}')" : c))}]";
        // Under conditions on events, the kept visits are those with such an event, and only such events count: kept is
        // then read once and kept (with only the columns read here). Otherwise each reference to it is planned as a read
        // of the table on its own, which PostgreSQL estimates well (a kept CTE's rows it cannot, and sorts 570,000 of
        // them for a merge join); and without any filter the period's events are grouped as they are, not first matched
        // with the visits (two seconds of hashing on the bench's month).
        var onEvents = filter.EventOnlySql.Length > 0;
        return $"""
            WITH kept AS {(onEvents ? "" : "NOT ")}MATERIALIZED (
                SELECT session_id, visitor_id, started, last_ts, pageviews, began {named}
                FROM ({(onEvents ? KeptVisits.Counted(filter) : KeptVisits.Sql(filter))}) k
            ), e AS (
                SELECT {Time("ts")}, session_id, min(visitor_id) AS visitor, count(*) FILTER (WHERE name = 'pageview') AS pv,
                       count(*) AS ev, coalesce(sum(revenue_amount), 0) AS revenue
                FROM ({KeptVisits.Matched(filter)} {(filter.IsEmpty ? "" : "AND session_id IN (SELECT session_id FROM kept)")}) e GROUP BY 1, 2
            ), happened AS (
                SELECT {byKeys}, count(DISTINCT e.visitor) AS visitors, sum(e.pv)::bigint AS pageviews, sum(e.ev)::bigint AS events,
                       sum(e.revenue) AS revenue
                FROM e JOIN kept USING (session_id) GROUP BY {byKeys}
            ), began AS (
                SELECT {byKeys}, count(*) AS visits, count(*) FILTER (WHERE pageviews = 1) AS bounces,
                       sum(extract(epoch FROM last_ts - started))::float8 AS seconds
                FROM (SELECT *, {Time("started")} FROM kept WHERE began) k GROUP BY {byKeys}
            )
            SELECT {formatted} AS k, coalesce(h.visitors, 0) AS visitors, coalesce(h.pageviews, 0) AS pageviews, coalesce(h.events, 0) AS events,
                   coalesce(b.visits, 0) AS visits, coalesce(b.bounces, 0) AS bounces, coalesce(b.seconds, 0) AS seconds,
                   coalesce(h.revenue, 0) AS revenue
            FROM happened h FULL JOIN began b USING ({byKeys})
            """;
    }
}
