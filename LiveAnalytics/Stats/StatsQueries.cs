using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>Aggregates over persisted events (rollups replace this once they exist).</summary>
public sealed class StatsQueries(NpgsqlDataSource db)
{
    public async Task<Aggregate> AggregateAsync(long siteId, DateTimeOffset from, DateTimeOffset to)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<Aggregate>("""
            SELECT count(DISTINCT visitor_id)                 AS Visitors,
                   count(*) FILTER (WHERE name = 'pageview') AS Pageviews,
                   count(*)                                   AS Events
            FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to
            """, new { siteId, from, to });
    }
}

public sealed record Aggregate(long Visitors, long Pageviews, long Events);
