using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Aggregates, time series and breakdowns over persisted events, in the site's time zone (rollups
/// replace these reads once they exist). Every query groups events into visits first, so the visit
/// metrics (visits, bounce rate, visit duration, views per visit) come from the same rows as the rest.
/// </summary>
public sealed class StatsQueries(NpgsqlDataSource db)
{
    // Pageviews and events count the events with the key; a visit counts for every key it touched
    // (a visit across two buckets or pages counts in each, as in Plausible; under one source, its visit's), and its
    // bounce and length are the whole visit's within the period, not only the part with the key.
    /// <param name="events">The events to group, with their visits' columns: <see cref="PeriodEvents"/>' by default.</param>
    private static string Grouped(string key, EventFilter filter, VisitFacts keyNeeds = VisitFacts.None, string? events = null) => $"""
        WITH keyed AS (
            SELECT {key} AS k, session_id, min(visitor_id) AS visitor,
                   count(*) FILTER (WHERE name = 'pageview') AS pv, count(*) AS ev,
                   coalesce(sum(revenue_amount), 0) AS revenue
            FROM ({events ?? PeriodEvents.Sql(filter.Needs | keyNeeds, filter)}) e WHERE true {filter.Sql}
            GROUP BY 1, 2
        ), whole AS (
            SELECT session_id, count(*) FILTER (WHERE name = 'pageview') AS pv, extract(epoch FROM max(ts) - min(ts)) AS seconds
            FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to AND session_id IN (SELECT session_id FROM keyed)
            GROUP BY 1
        )
        SELECT k, count(DISTINCT visitor) AS visitors, sum(keyed.pv)::bigint AS pageviews, sum(keyed.ev)::bigint AS events,
               count(*) AS visits, count(*) FILTER (WHERE whole.pv = 1) AS bounces, coalesce(sum(whole.seconds), 0)::float8 AS seconds, sum(keyed.revenue) AS revenue
        FROM keyed JOIN whole USING (session_id) GROUP BY k
        """;

    /// <summary>How each metric sorts a breakdown, in SQL over the columns of <see cref="Grouped"/>.</summary>
    private static readonly Dictionary<string, string> SortBy = new()
    {
        ["visitors"] = "visitors", ["pageviews"] = "pageviews", ["events"] = "events", ["visits"] = "visits",
        ["bounce_rate"] = "bounces::float8 / nullif(visits, 0)", ["visit_duration"] = "seconds / nullif(visits, 0)",
        ["views_per_visit"] = "pageviews::float8 / nullif(visits, 0)",
        ["total_revenue"] = "revenue", ["average_revenue"] = "revenue / nullif(events, 0)",
    };

    /// <summary>How <paramref name="metric"/> (one of <see cref="StatsRequest.SupportedMetrics"/>) sorts grouped rows, in SQL.</summary>
    internal static string Sort(string metric) => SortBy[metric];

    public async Task<Counts> AggregateAsync(long siteId, DateTimeOffset from, DateTimeOffset to, EventFilter? filter = null)
    {
        filter ??= EventFilter.None;
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to });
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<Counts>($"""
            SELECT visitors AS Visitors, pageviews AS Pageviews, events AS Events, visits AS Visits, bounces AS Bounces, seconds AS Seconds, revenue AS Revenue
            FROM ({Grouped("0", filter)}) g
            """, p) ?? Counts.None;
    }

    /// <param name="interval">hour, day, week or month (validated by the caller).</param>
    public async Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> TimeseriesAsync(long siteId, string timezone, DateTimeOffset from, DateTimeOffset to,
        string interval, EventFilter filter)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, tz = timezone, interval, step = $"1 {interval}" });
        await using var conn = await db.OpenConnectionAsync();
        // Buckets are the site's local hours, days, weeks (from Monday, as date_trunc's) or months; empty ones are listed with zeros.
        var rows = await conn.QueryAsync<DateTime, Counts, (DateTime, Counts)>($"""
            WITH buckets AS (
                SELECT generate_series(date_trunc(@interval, @from AT TIME ZONE @tz),
                                       (@to AT TIME ZONE @tz) - interval '1 microsecond',
                                       @step::interval) AS bucket
            ), counted AS ({Grouped("date_trunc(@interval, ts AT TIME ZONE @tz)", filter)})
            SELECT b.bucket AS Bucket, coalesce(c.visitors, 0) AS Visitors, coalesce(c.pageviews, 0) AS Pageviews,
                   coalesce(c.events, 0) AS Events, coalesce(c.visits, 0) AS Visits, coalesce(c.bounces, 0) AS Bounces,
                   coalesce(c.seconds, 0) AS Seconds, coalesce(c.revenue, 0) AS Revenue
            FROM buckets b LEFT JOIN counted c ON c.k = b.bucket ORDER BY b.bucket
            """, (bucket, counts) => (bucket, counts), p, splitOn: "Visitors");
        return rows.AsList();
    }

    /// <param name="column">A column of the events, or <see cref="StatsFilters.PropColumn"/> of "propKey" with <paramref name="propKey"/>.</param>
    /// <param name="sortMetric">One of <see cref="StatsRequest.SupportedMetrics"/> (validated by the caller).</param>
    public async Task<IReadOnlyList<(string Value, Counts Counts)>> BreakdownAsync(long siteId, DateTimeOffset from, DateTimeOffset to,
        string column, string missing, string sortMetric, int limit, int offset, EventFilter filter, string? propKey = null)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, missing, limit, offset, propKey });
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<string, Counts, (string, Counts)>($"""
            SELECT k AS Value, visitors AS Visitors, pageviews AS Pageviews, events AS Events, visits AS Visits, bounces AS Bounces, seconds AS Seconds, revenue AS Revenue
            FROM ({Grouped($"coalesce({column}, @missing)", filter, PeriodEvents.Needs(column))}) g
            ORDER BY {SortBy[sortMetric]} DESC NULLS LAST, 1 LIMIT @limit OFFSET @offset
            """, (value, counts) => (value, counts), p, splitOn: "Visitors");
        return rows.AsList();
    }

    /// <summary>A page of the groups of a v2 query's several dimensions, as <paramref name="grouped"/> counts them.</summary>
    /// <param name="grouped">SQL of the groups: <c>k</c>, the keys' values as an array, and the counts' columns
    /// (<see cref="GroupedBy"/>, <see cref="VisitGroups.Sql"/>); its parameters in <paramref name="keyParameters"/>, with @tz.</param>
    /// <param name="order">SQL over the groups' columns, from fixed parts.</param>
    /// <param name="only">When given, only the groups whose values, joined by the unit separator, are among these.</param>
    public async Task<IReadOnlyList<(string[] Values, Counts Counts)>> GroupsAsync(long siteId, DateTimeOffset from, DateTimeOffset to,
        string grouped, DynamicParameters keyParameters, string order, int limit, int offset, EventFilter filter, string[]? only = null)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(keyParameters);
        p.AddDynamicParams(new { siteId, from, to, limit, offset, only });
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await NoJitAsync(conn);
        var rows = await conn.QueryAsync<GroupRow>($"""
            SELECT k AS Values, visitors, pageviews, events, visits, bounces, seconds, revenue
            FROM ({grouped}) g {(only is null ? "" : "WHERE array_to_string(k, chr(31)) = ANY(@only)")}
            ORDER BY {order} LIMIT @limit OFFSET @offset
            """, p, tx);
        return [.. rows.Select(r => (r.Values, new Counts(r.Visitors, r.Pageviews, r.Events, r.Visits, r.Bounces, r.Seconds, r.Revenue)))];
    }

    /// <summary>How many groups <see cref="GroupsAsync"/> has over all its pages.</summary>
    public async Task<long> CountGroupsAsync(long siteId, DateTimeOffset from, DateTimeOffset to, string grouped, DynamicParameters keyParameters,
        EventFilter filter)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(keyParameters);
        p.AddDynamicParams(new { siteId, from, to });
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await NoJitAsync(conn);
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM ({grouped}) g", p, tx);
    }

    /// <summary>A transaction without JIT: the groups' statements cost millions by the planner's reckoning, so it
    /// compiles them fully, for half a second of the bench's month (seconds of reading) that the compiled code never wins back.</summary>
    private static async Task<NpgsqlTransaction> NoJitAsync(NpgsqlConnection conn)
    {
        var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("SET LOCAL jit = off", transaction: tx);
        return tx;
    }

    /// <summary>The period's events grouped by all of <paramref name="keys"/> at once, their values as an array (k).</summary>
    /// <param name="keys">SQL over the events' columns (<see cref="PeriodEvents"/>, with what <paramref name="needs"/> of their
    /// visits), from the caller's fixed lists.</param>
    /// <param name="fromVisits">Whether the events' visit columns come from the table of visits (<see cref="KeptVisits.Attributed"/>):
    /// the caller has checked that it holds the period's visits and every column the keys and the filter read.</param>
    internal static string GroupedBy(IReadOnlyList<string> keys, VisitFacts needs, EventFilter filter, bool fromVisits) =>
        Grouped($"ARRAY[{string.Join(", ", keys)}]", filter, needs, fromVisits ? KeptVisits.Attributed : null);

    private sealed class GroupRow
    {
        public string[] Values { get; init; } = [];
        public long Visitors { get; init; }
        public long Pageviews { get; init; }
        public long Events { get; init; }
        public long Visits { get; init; }
        public long Bounces { get; init; }
        public double Seconds { get; init; }
        public decimal Revenue { get; init; }
    }

    /// <summary>
    /// Each goal's conversions from the period's events the filter keeps, in the order given (<paramref name="kinds"/>:
    /// "event" or "page"; <paramref name="patterns"/>: the event's name, or the page pattern as LIKE): the visitors who
    /// converted, the events (an event goal's events, or every event on a page goal's pages, with its pageviews apart),
    /// and an event goal's revenue.
    /// </summary>
    public Task<IReadOnlyList<Counts>> GoalsAsync(long siteId, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<string> kinds, IReadOnlyList<string> patterns, EventFilter filter) =>
        GoalsAsync(siteId, from, to, kinds, patterns, filter, $"SELECT * FROM ({PeriodEvents.Sql(filter.Needs, filter)}) e WHERE true {filter.Sql}");

    /// <param name="events">The events to count, as a query over @siteId, @from, @to and the filter's parameters.</param>
    internal async Task<IReadOnlyList<Counts>> GoalsAsync(long siteId, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<string> kinds, IReadOnlyList<string> patterns, EventFilter filter, string events)
    {
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, kinds = kinds.ToArray(), patterns = patterns.ToArray() });
        // Only events that may match a goal are kept (a few of the period's): the join below decides which goal.
        p.AddDynamicParams(new
        {
            goalNames = patterns.Where((_, i) => kinds[i] == "event").ToArray(),
            goalPages = patterns.Where((_, i) => kinds[i] == "page").ToArray(),
        });
        await using var conn = await db.OpenConnectionAsync();
        // The period's filtered events once (each goal's own scan read them all again: names and paths have no index),
        // then each goal's matches among them.
        return (await conn.QueryAsync<Counts>($"""
            WITH e AS MATERIALIZED (
                SELECT id, visitor_id, name, pathname, revenue_amount FROM ({events}) e
                WHERE e.name = ANY(@goalNames::text[]) OR e.pathname LIKE ANY(@goalPages::text[]))
            SELECT count(DISTINCT e.visitor_id) AS Visitors, count(e.id) FILTER (WHERE e.name = 'pageview') AS Pageviews,
                   count(e.id) AS Events, 0::bigint AS Visits, 0::bigint AS Bounces, 0::float8 AS Seconds,
                   coalesce(sum(e.revenue_amount) FILTER (WHERE g.kind = 'event'), 0) AS Revenue
            FROM unnest(@kinds::text[], @patterns::text[]) WITH ORDINALITY g(kind, pattern, i)
            LEFT JOIN e ON (g.kind = 'event' AND e.name = g.pattern) OR (g.kind = 'page' AND e.pathname LIKE g.pattern)
            GROUP BY g.i ORDER BY g.i
            """, p)).AsList();
    }
}

/// <summary>What every metric is computed from: counts, the visits' bounces and total length in seconds, and revenue.</summary>
public sealed record Counts(long Visitors, long Pageviews, long Events, long Visits, long Bounces, double Seconds, decimal Revenue)
{
    public static readonly Counts None = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Counts of disjoint parts of one group (its visits' and its events' figures read apart); visitors add up only if they are.</summary>
    public static Counts operator +(Counts a, Counts b) => new(a.Visitors + b.Visitors, a.Pageviews + b.Pageviews, a.Events + b.Events,
        a.Visits + b.Visits, a.Bounces + b.Bounces, a.Seconds + b.Seconds, a.Revenue + b.Revenue);

    /// <summary>A metric's value as the Plausible API gives it: whole numbers, views per visit and revenue to two decimals.</summary>
    // The first arm's cast gives the switch the type object: without it, its arms' common type is double, and every
    // whole number came out as a boxed double.
    public object Metric(string name) => name switch
    {
        "visitors" => (object)Visitors,
        "pageviews" => Pageviews,
        "events" => Events,
        "visits" => Visits,
        "bounce_rate" => Visits == 0 ? 0L : (long)Math.Round(100.0 * Bounces / Visits, MidpointRounding.AwayFromZero),
        "visit_duration" => Visits == 0 ? 0L : (long)Math.Round(Seconds / Visits, MidpointRounding.AwayFromZero),
        "views_per_visit" => Visits == 0 ? 0.0 : Math.Round((double)Pageviews / Visits, 2, MidpointRounding.AwayFromZero),
        "total_revenue" => (double)Math.Round(Revenue, 2, MidpointRounding.AwayFromZero),
        // Per conversion: under a goal's filter the events are its conversions (one without an amount adds nothing but counts).
        "average_revenue" => Events == 0 ? 0.0 : (double)Math.Round(Revenue / Events, 2, MidpointRounding.AwayFromZero),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a supported metric."),
    };
}
