using Dapper;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>How long a page's views were looked at and how far down they were read, on average over its engaged views.</summary>
/// <param name="Views">Page views that reported engagement (a view closed before its first report is not among them).</param>
/// <param name="EngagedMs">Their time visible, in all.</param>
/// <param name="Scroll">Their deepest scrolls, in percent of the page, added up.</param>
public sealed record PageEngagement(long Views, long EngagedMs, long Scroll)
{
    public long AverageSeconds => Views == 0 ? 0 : (long)Math.Round(EngagedMs / 1000.0 / Views);
    public int AverageScroll => Views == 0 ? 0 : (int)Math.Round((double)Scroll / Views);
}

/// <summary>Pages' engagement over a range of instants, from the hourly sums the writer keeps (<c>engagement_hours</c>).</summary>
public static class PageEngagements
{
    /// <summary>The pages that have engaged views in [<paramref name="from"/>, <paramref name="to"/>), by path.</summary>
    public static async Task<IReadOnlyDictionary<string, PageEngagement>> ReadAsync(NpgsqlDataSource db, long siteId,
        DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<string> pages)
    {
        if (pages.Count == 0) return new Dictionary<string, PageEngagement>();
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string Pathname, long Views, long EngagedMs, long Scroll)>("""
            SELECT pathname, sum(views)::bigint, sum(engaged_ms)::bigint, sum(scroll)::bigint FROM engagement_hours
            WHERE site_id = @siteId AND hour >= @from AND hour < @to AND pathname = ANY(@pages)
            GROUP BY pathname HAVING sum(views) > 0
            """, new { siteId, from, to, pages = pages.ToArray() });
        return rows.ToDictionary(r => r.Pathname, r => new PageEngagement(r.Views, r.EngagedMs, r.Scroll));
    }

    /// <summary>
    /// Under filters: the reports of the visits the filters keep (their sessions), by page, from the raw reports. A
    /// report belongs to the visit its page view was part of; one sent after half an hour without another event (a tab
    /// read for that long) opened a visit of its own, and is not among them.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, PageEngagement>> ReadAsync(NpgsqlDataSource db, long siteId,
        DateTimeOffset from, DateTimeOffset to, Stats.EventFilter filter)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to });
        var sessions = await Stats.KeptVisits.SessionsAsync(db, siteId, from, filter);
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string Pathname, long Views, long EngagedMs, long Scroll)>(OfSessions(sessions), p);
        return rows.ToDictionary(r => r.Pathname, r => new PageEngagement(r.Views, r.EngagedMs, r.Scroll));
    }

    /// <summary>
    /// SQL of the reports of some visits in [@from, @to) by page (columns pathname, views, engaged_ms, scroll), for
    /// @siteId; <paramref name="sessions"/> is a query of the visits' session ids.
    /// </summary>
    internal static string OfSessions(string sessions) => $"""
        SELECT pathname, count(*) FILTER (WHERE first) AS views, sum(engaged_ms)::bigint AS engaged_ms, sum(scroll_gain)::bigint AS scroll
        FROM engagements
        WHERE site_id = @siteId AND ts >= @from AND ts < @to AND session_id IN ({sessions})
        GROUP BY pathname HAVING count(*) FILTER (WHERE first) > 0
        """;

    /// <summary>Rows with the engagement of their pages.</summary>
    public static IReadOnlyList<TopRow> With(IReadOnlyList<TopRow> rows, IReadOnlyDictionary<string, PageEngagement> engagement) =>
        rows.Select(r => r with { Engagement = engagement.GetValueOrDefault(r.Value) }).ToList();

    /// <summary>The page rows with their engagement; rows of other lists as they are.</summary>
    public static async Task<IReadOnlyList<TopRow>> AttachAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, DateTimeOffset to,
        DashboardDimension dimension, IReadOnlyList<TopRow> rows)
    {
        if (dimension != DashboardDimensions.Page || rows.Count == 0) return rows;
        return With(rows, await ReadAsync(db, siteId, from, to, rows.Select(r => r.Value).ToArray()));
    }
}
