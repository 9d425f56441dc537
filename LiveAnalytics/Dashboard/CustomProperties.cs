using Dapper;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// The custom properties events carry (<c>la('Signup', { props: { plan: 'pro' } })</c>) on the history dashboard: the
/// names sent in a period, and one name's values. Read from the stored events, as a filtered view is: the rollups do not
/// keep properties. Callers have already checked the user's membership.
/// </summary>
public sealed class CustomProperties(NpgsqlDataSource db, StatsQueries raw)
{
    /// <summary>The names offered: the most used in the period.</summary>
    public const int MaxNames = 30;

    /// <summary>The names the period's events (those the filter keeps) carry, the most used first.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(Site site, DateOnly first, DateOnly last, EventFilter filter)
    {
        var p = new DynamicParameters(filter.Parameters);
        var (from, to) = Period(site, first, last);
        p.AddDynamicParams(new { siteId = site.Id, from, to });
        p.Add("max", MaxNames);
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>($"""
            SELECT k FROM ({PeriodEvents.Sql(filter.ByVisit)}) e CROSS JOIN LATERAL jsonb_object_keys(e.props) k
            WHERE e.props IS NOT NULL {filter.Sql}
            GROUP BY k ORDER BY count(*) DESC, k LIMIT @max
            """, p)).AsList();
    }

    /// <summary>The values of the property <paramref name="name"/> in the period, by visitors, among the events that carry it.</summary>
    public async Task<IReadOnlyList<TopRow>> ValuesAsync(Site site, DateOnly first, DateOnly last, string name, EventFilter filter, int limit)
    {
        var (from, to) = Period(site, first, last);
        var carrying = filter with { Sql = filter.Sql + $" AND {StatsFilters.PropColumn("propKey")} IS NOT NULL" };
        var rows = await raw.BreakdownAsync(site.Id, from, to, StatsFilters.PropColumn("propKey"), "", "visitors", limit, 0, carrying, name);
        return rows.Select(r => new TopRow(r.Value, r.Counts)).ToList();
    }

    private static (DateTimeOffset From, DateTimeOffset To) Period(Site site, DateOnly first, DateOnly last)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        return (StatsPeriod.StartOfDay(first, zone), StatsPeriod.StartOfDay(last.AddDays(1), zone));
    }
}
