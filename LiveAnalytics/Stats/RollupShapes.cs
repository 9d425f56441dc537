namespace LiveAnalytics.Stats;

/// <summary>SQL both rollup paths share, so that a rebuilt hour and an incrementally kept one hold the same rows.</summary>
internal static class RollupShapes
{
    // Rows are computed with GROUPING SETS: one pass fills every dimension's groups, several times faster
    // than repeating each row once per dimension. GROUPING(x) = 0 marks the set that groups by x.

    /// <summary>
    /// (lh, dim, val, visitors, pageviews, events, revenue) for the events of <paramref name="events"/> (columns lh,
    /// visitor_id, name, pathname, revenue_amount, session_id) joined to their visits in <paramref name="visits"/>.
    /// Page and event take the event's own value; the visit's dimensions (attribution, from its first event, and
    /// the entry page) the visit's, so that every event of a visit counts under its source. '' stands for none.
    /// </summary>
    public static string EventRows(string events, string visits, string where = "true") => $"""
        SELECT lh,
               CASE WHEN GROUPING(page) = 0 THEN 'page' WHEN GROUPING(name) = 0 THEN 'event' {DimensionName} ELSE '' END AS dim,
               coalesce(page, name, {DimensionValue}, '') AS val,
               hll_add_agg(hll_hash_bigint(visitor_id)) AS visitors, count(*) FILTER (WHERE name = 'pageview') AS pageviews,
               count(*) AS events, coalesce(sum(revenue_amount), 0) AS revenue
        FROM (
            SELECT e.lh, e.visitor_id, e.name, e.pathname AS page, e.revenue_amount, {VisitColumns}
            FROM {events} e JOIN {visits} v USING (session_id) WHERE {where}
        ) x
        GROUP BY GROUPING SETS ((lh), (lh, page), (lh, name), {VisitSets})
        """;

    /// <summary>
    /// (lh, dim, val, visits, bounces, seconds, x_pageviews, x_events, x_revenue) for visits in <paramref name="signed"/>
    /// (columns lh of the visit's start, sign: 1 to add it or -1 to take it away, the visit's dimensions, pageviews,
    /// events, revenue, seconds). A visit counts once, in the hour it began. The exit page moves with every
    /// pageview of a visit, and a visitor sketch cannot forget a visitor: so exit rows hold whole visits only (visits,
    /// bounces, length, and the visit's pageviews, events and revenue as x_*), never a visitor sketch.
    /// </summary>
    public static string VisitRows(string signed) => $"""
        SELECT lh,
               CASE WHEN GROUPING(exit_page) = 0 THEN 'exit_page' {DimensionName} ELSE '' END AS dim,
               coalesce(exit_page, {DimensionValue}, '') AS val,
               sum(sign) AS visits, sum(sign * (pageviews = 1)::int) AS bounces, sum(sign * seconds) AS seconds,
               CASE WHEN GROUPING(exit_page) = 0 THEN sum(sign * pageviews) ELSE 0 END AS x_pageviews,
               CASE WHEN GROUPING(exit_page) = 0 THEN sum(sign * events) ELSE 0 END AS x_events,
               CASE WHEN GROUPING(exit_page) = 0 THEN sum(sign * revenue) ELSE 0 END AS x_revenue
        FROM (
            SELECT v.lh, v.sign, v.pageviews, v.events, v.revenue, v.seconds, coalesce(v.exit_page, '') AS exit_page, {VisitColumns}
            FROM ({signed}) v
        ) x
        GROUP BY GROUPING SETS ((lh), (lh, exit_page), {VisitSets})
        """;

    // The visit's dimensions, from a row aliased v; attribution is the visit's first event's.
    private static readonly string[] Dimensions =
        ["source", "referrer", "utm_source", "utm_medium", "utm_campaign", "channel", "country", "region", "city", "device", "browser", "os", "entry_page"];

    private static readonly string VisitColumns = string.Join(", ", Dimensions.Select(d => $"coalesce(v.{d}, '') AS {d}"));
    private static readonly string VisitSets = string.Join(", ", Dimensions.Select(d => $"(lh, {d})"));
    private static readonly string DimensionName = string.Join(" ", Dimensions.Select(d => $"WHEN GROUPING({d}) = 0 THEN '{d}'"));
    private static readonly string DimensionValue = string.Join(", ", Dimensions);

    /// <summary>
    /// Keeps the visits of <paramref name="visits"/> (a table with the columns of the table of visits but the site's and
    /// seen_at) in the table of visits, replacing what it held of them; seen_at is <paramref name="seenAt"/>.
    /// </summary>
    public static string KeepVisits(string visits, string seenAt, string where = "true") => $"""
        INSERT INTO visits AS r (site_id, {KeptColumns}, seen_at)
        SELECT @site, {KeptColumns}, {seenAt} FROM {visits} WHERE {where}
        ON CONFLICT (site_id, session_id) DO UPDATE SET
            {string.Join(", ", KeptColumns.Split(", ").Skip(1).Append("seen_at").Select(c => $"{c} = excluded.{c}"))};
        """;

    /// <summary>The table of visits' columns but the site's and seen_at.</summary>
    internal const string KeptColumns = "session_id, visitor_id, started, first_id, last_ts, pageviews, events, revenue, "
        + "source, referrer, utm_source, utm_medium, utm_campaign, channel, country, region, city, device, browser, os, "
        + "entry_page, entry_ts, entry_id, exit_page, exit_ts, exit_id";

    // Adds the rows of temp table delta (lh, dim, val, visitors, pageviews, events, revenue, visits, bounces, seconds)
    // to the site's hours and days: sums added, sketches merged.
    public const string AddDelta = """
        INSERT INTO rollup_hours AS r (site_id, hour, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, lh, dim, val, visitors, pageviews, events, revenue, visits, bounces, seconds FROM delta
        ON CONFLICT (site_id, dimension, hour, value) DO UPDATE SET
            visitors = hll_union(r.visitors, excluded.visitors), pageviews = r.pageviews + excluded.pageviews,
            events = r.events + excluded.events, revenue = r.revenue + excluded.revenue, visits = r.visits + excluded.visits,
            bounces = r.bounces + excluded.bounces, visit_seconds = r.visit_seconds + excluded.visit_seconds;

        INSERT INTO rollup_days AS r (site_id, day, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, lh::date, dim, val, hll_union_agg(visitors), sum(pageviews), sum(events), sum(revenue), sum(visits), sum(bounces), sum(seconds)
        FROM delta GROUP BY 2, 3, 4
        ON CONFLICT (site_id, dimension, day, value) DO UPDATE SET
            visitors = hll_union(r.visitors, excluded.visitors), pageviews = r.pageviews + excluded.pageviews,
            events = r.events + excluded.events, revenue = r.revenue + excluded.revenue, visits = r.visits + excluded.visits,
            bounces = r.bounces + excluded.bounces, visit_seconds = r.visit_seconds + excluded.visit_seconds;
        """;
}
