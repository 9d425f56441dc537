using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// The history reads over <c>rollup_days</c>: totals, a daily series and top lists for a range of
/// the site's local days. Unique visitors over any range are the union of the hourly HyperLogLog
/// sketches (within about 2 % of the exact count); everything else is an exact sum.
/// </summary>
public sealed class RollupQueries(NpgsqlDataSource db)
{
    private static readonly string Sums = """
        coalesce(round(hll_cardinality(hll_union_agg(visitors))), 0)::bigint AS Visitors,
        coalesce(sum(pageviews), 0)::bigint AS Pageviews, coalesce(sum(events), 0)::bigint AS Events,
        coalesce(sum(visits), 0)::bigint AS Visits, coalesce(sum(bounces), 0)::bigint AS Bounces,
        coalesce(sum(visit_seconds), 0)::float8 AS Seconds
        """;

    /// <param name="from">First local day.</param>
    /// <param name="to">Last local day, included.</param>
    public async Task<Counts> AggregateAsync(long siteId, DateOnly from, DateOnly to)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<Counts>($"""
            SELECT {Sums} FROM rollup_days
            WHERE site_id = @siteId AND dimension = '' AND day >= @start AND day < @end
            """, Range(siteId, from, to));
    }

    public async Task<IReadOnlyList<(DateTime Day, Counts Counts)>> DailyAsync(long siteId, DateOnly from, DateOnly to)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<DateTime, Counts, (DateTime, Counts)>($"""
            SELECT d.day AS Day, c.*
            FROM generate_series(@start::timestamp, @end::timestamp - interval '1 day', interval '1 day') d(day)
            LEFT JOIN LATERAL (
                SELECT {Sums} FROM rollup_days WHERE site_id = @siteId AND dimension = '' AND day = d.day::date
            ) c ON true
            ORDER BY 1
            """, (day, counts) => (day, counts), Range(siteId, from, to), splitOn: "Visitors");
        return rows.AsList();
    }

    /// <param name="dimension">A dimension of the rollups: page, event, source, referrer, utm_source, utm_medium,
    /// utm_campaign, country, device, browser, os, entry_page or exit_page. '' is a missing value.</param>
    public async Task<IReadOnlyList<(string Value, Counts Counts)>> TopAsync(long siteId, DateOnly from, DateOnly to, string dimension, int limit)
    {
        var p = Range(siteId, from, to);
        p.AddDynamicParams(new { dimension, limit });
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<string, Counts, (string, Counts)>($"""
            SELECT value AS Value, {Sums} FROM rollup_days
            WHERE site_id = @siteId AND dimension = @dimension AND day >= @start AND day < @end
            GROUP BY value ORDER BY Visitors DESC, value LIMIT @limit
            """, (value, counts) => (value, counts), p, splitOn: "Visitors");
        return rows.AsList();
    }

    private static DynamicParameters Range(long siteId, DateOnly from, DateOnly to)
    {
        var p = new DynamicParameters();
        p.AddDynamicParams(new { siteId, start = from, end = to.AddDays(1) });
        return p;
    }
}
