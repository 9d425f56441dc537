using Dapper;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// The custom properties events carry (<c>la('Signup', { props: { plan: 'pro' } })</c>) on the history dashboard: the
/// names sent in a period, and one name's values. Without filters from their day rollup (<see cref="PropertyDays"/>: visitor
/// counts are estimates, as the rollups'); under filters from the stored events (on a visit's own dimensions, the kept
/// visits' events, <see cref="KeptVisits"/>), as a filtered view is. Callers have already checked the user's membership.
/// </summary>
public sealed class CustomProperties(NpgsqlDataSource db, PropertyDays days)
{
    /// <summary>The names offered: the most used in the period.</summary>
    public const int MaxNames = 30;

    /// <summary>The names the period's events (those the filter keeps) carry, the most used first.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(Site site, DateOnly first, DateOnly last, EventFilter filter)
    {
        if (filter.IsEmpty) return await days.NamesAsync(site, first, last, MaxNames);
        var p = new DynamicParameters(filter.Parameters);
        var (from, to) = Period(site, first, last);
        p.AddDynamicParams(new { siteId = site.Id, from, to });
        p.Add("max", MaxNames);
        var events = await KeptVisits.EventsAsync(db, site.Id, from, filter);
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>($"""
            SELECT k FROM ({events}) e CROSS JOIN LATERAL jsonb_object_keys(e.props) k
            WHERE e.props IS NOT NULL
            GROUP BY k ORDER BY count(*) DESC, k LIMIT @max
            """, p)).AsList();
    }

    /// <summary>The card's names, the one it shows (<paramref name="wanted"/> while still sent) and its values: one read without filters.</summary>
    public async Task<PropertyCard> CardAsync(Site site, DateOnly first, DateOnly last, EventFilter filter, string? wanted, int limit)
    {
        if (filter.IsEmpty) return await days.CardAsync(site, first, last, MaxNames, wanted, limit);
        var names = await NamesAsync(site, first, last, filter);
        var name = PropertyCard.Pick(names, wanted);
        return new PropertyCard(names, name, name is null ? [] : await ValuesAsync(site, first, last, name, filter, limit));
    }

    /// <summary>The values of the property <paramref name="name"/> in the period, by visitors, among the events that carry it.</summary>
    public async Task<IReadOnlyList<TopRow>> ValuesAsync(Site site, DateOnly first, DateOnly last, string name, EventFilter filter, int limit)
    {
        if (filter.IsEmpty) return await days.ValuesAsync(site, first, last, name, limit);
        var (from, to) = Period(site, first, last);
        // A condition on the event's own properties: the visits left unsettled (PeriodEvents) may be narrowed by it too.
        var carries = $" AND {StatsFilters.PropColumn("propKey")} IS NOT NULL";
        var carrying = filter with { Sql = filter.Sql + carries, EventSql = filter.EventSql + carries };
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId = site.Id, from, to, propKey = name, limit });
        var events = await KeptVisits.EventsAsync(db, site.Id, from, carrying);
        await using var conn = await db.OpenConnectionAsync();
        // The card's figures: visitors, events and revenue.
        var rows = await conn.QueryAsync<(string Value, long Visitors, long Pageviews, long Events, decimal Revenue)>($"""
            SELECT {StatsFilters.PropColumn("propKey")}, count(DISTINCT e.visitor_id), count(*) FILTER (WHERE e.name = 'pageview'), count(*),
                   coalesce(sum(e.revenue_amount), 0)
            FROM ({events}) e WHERE {StatsFilters.PropColumn("propKey")} IS NOT NULL
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT @limit
            """, p);
        return rows.Select(r => new TopRow(r.Value, new Counts(r.Visitors, r.Pageviews, r.Events, 0, 0, 0, r.Revenue))).ToList();
    }

    /// <summary>
    /// Every name's values at once, for the export: the <see cref="MaxNames"/> most used names, each with its
    /// <paramref name="perName"/> values with the most visitors; visitors, events and revenue as the card counts them.
    /// </summary>
    public async Task<IReadOnlyList<PropertyValue>> AllValuesAsync(Site site, DateOnly first, DateOnly last, EventFilter filter, int perName)
    {
        if (filter.IsEmpty) return await days.AllValuesAsync(site, first, last, MaxNames, perName);
        var p = new DynamicParameters(filter.Parameters);
        var (from, to) = Period(site, first, last);
        p.AddDynamicParams(new { siteId = site.Id, from, to, max = MaxNames, perName });
        var events = await KeptVisits.EventsAsync(db, site.Id, from, filter);
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<PropertyValue>($"""
            WITH kv AS (
                SELECT kv.key, kv.value, e.visitor_id, e.revenue_amount
                FROM ({events}) e CROSS JOIN LATERAL jsonb_each_text(e.props) kv
                WHERE e.props IS NOT NULL
            ), names AS (
                SELECT key FROM kv GROUP BY key ORDER BY count(*) DESC, key LIMIT @max
            ), counted AS (
                SELECT key, value, count(DISTINCT visitor_id) AS visitors, count(*) AS events, coalesce(sum(revenue_amount), 0) AS revenue
                FROM kv WHERE key IN (SELECT key FROM names) GROUP BY key, value
            )
            SELECT key AS Name, value AS Value, visitors AS Visitors, events AS Events, revenue AS Revenue FROM (
                SELECT *, row_number() OVER (PARTITION BY key ORDER BY visitors DESC, value) AS n FROM counted
            ) ranked WHERE n <= @perName ORDER BY Name, n
            """, p)).AsList();
    }

    private static (DateTimeOffset From, DateTimeOffset To) Period(Site site, DateOnly first, DateOnly last) =>
        StatsPeriod.Days(first, last, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone));
}

/// <summary>What the properties card shows: the period's names, the one shown (null: none sent) and its values.</summary>
public sealed record PropertyCard(IReadOnlyList<string> Names, string? Name, IReadOnlyList<TopRow> Values)
{
    /// <summary>The name looked at stays picked while it is still sent (a filter on one of its values, another period).</summary>
    public static string? Pick(IReadOnlyList<string> names, string? wanted) =>
        wanted is not null && names.Contains(wanted) ? wanted : names.FirstOrDefault();
}

/// <summary>A custom property's value and how many visitors and events had it, with their revenue.</summary>
public sealed record PropertyValue(string Name, string Value, long Visitors, long Events, decimal Revenue);
