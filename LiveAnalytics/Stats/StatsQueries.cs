using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Aggregates, time series and breakdowns over persisted events, in the site's time zone (rollups
/// replace these reads once they exist).
/// </summary>
public sealed class StatsQueries(NpgsqlDataSource db)
{
    private const string Metrics = """
        count(DISTINCT visitor_id)                 AS visitors,
        count(*) FILTER (WHERE name = 'pageview') AS pageviews,
        count(*)                                   AS events
        """;

    public async Task<Aggregate> AggregateAsync(long siteId, DateTimeOffset from, DateTimeOffset to, (string Sql, DynamicParameters Parameters) filter = default)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to });
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<Aggregate>($"""
            SELECT {Metrics}
            FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to {filter.Sql}
            """, p);
    }

    /// <param name="interval">hour, day or month (validated by the caller).</param>
    public async Task<IReadOnlyList<SeriesPoint>> TimeseriesAsync(long siteId, string timezone, DateTimeOffset from, DateTimeOffset to,
        string interval, (string Sql, DynamicParameters Parameters) filter)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, tz = timezone, interval, step = interval == "hour" ? "1 hour" : interval == "day" ? "1 day" : "1 month" });
        await using var conn = await db.OpenConnectionAsync();
        // Buckets are the site's local hours, days or months; empty ones are listed with zeros.
        return (await conn.QueryAsync<SeriesPoint>($"""
            WITH buckets AS (
                SELECT generate_series(date_trunc(@interval, @from AT TIME ZONE @tz),
                                       (@to AT TIME ZONE @tz) - interval '1 microsecond',
                                       @step::interval) AS bucket
            ), counted AS (
                SELECT date_trunc(@interval, ts AT TIME ZONE @tz) AS bucket, {Metrics}
                FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to {filter.Sql}
                GROUP BY 1
            )
            SELECT b.bucket AS Bucket, coalesce(c.visitors, 0) AS Visitors, coalesce(c.pageviews, 0) AS Pageviews, coalesce(c.events, 0) AS Events
            FROM buckets b LEFT JOIN counted c USING (bucket) ORDER BY b.bucket
            """, p)).AsList();
    }

    public async Task<IReadOnlyList<BreakdownRow>> BreakdownAsync(long siteId, DateTimeOffset from, DateTimeOffset to,
        string column, string missing, string orderBy, int limit, int offset, (string Sql, DynamicParameters Parameters) filter)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, missing, limit, offset });
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<BreakdownRow>($"""
            SELECT coalesce({column}, @missing) AS Value, {Metrics}
            FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to {filter.Sql}
            GROUP BY 1 ORDER BY {orderBy} DESC, 1 LIMIT @limit OFFSET @offset
            """, p)).AsList();
    }
}

public sealed record Aggregate(long Visitors, long Pageviews, long Events);

public sealed record SeriesPoint(DateTime Bucket, long Visitors, long Pageviews, long Events);

public sealed record BreakdownRow(string Value, long Visitors, long Pageviews, long Events);
