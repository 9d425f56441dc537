using Dapper;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// A filtered view's totals, chart and top lists from raw events in one pass. Read card by card (the Stats API's
/// queries), each card read the period's events, settled their visits' attribution and grouped them again: a dozen
/// scans of the period competing for two cores. Here the events the filters keep are read once, with what the lists
/// and filters need of their visits, and counted under every key at once (grouping sets). The counts are the Stats
/// API's (<see cref="StatsQueries"/>): a visit counts for every key it touched, its bounce and length are the whole
/// visit's within the period. With the pages' list, the same pass also sums the engagement reports of the kept visits
/// by page (their sessions).
/// </summary>
internal static class RawDashboard
{
    // The grouping sets' numbers in the result: the lists are 0, 1, … in the order given; the pages' engagement apart.
    internal const int EngagementSet = -3, TotalsSet = -2, SeriesSet = -1;

    internal sealed record Row(int Set, long Rank, DateTime? Bucket, string Value, long Visitors, long Pageviews, long Events, long Visits, long Bounces,
        double Seconds, decimal Revenue, long EngagedViews, long EngagedMs, long Scroll)
    {
        public Counts Counts => new(Visitors, Pageviews, Events, Visits, Bounces, Seconds, Revenue);
        public PageEngagement Engagement => new(EngagedViews, EngagedMs, Scroll);
    }

    /// <param name="limit">Rows a list keeps, by visitors (exit pages by visits, as that list ranks them), ties by value.</param>
    public static Task<PeriodCounts> LoadAsync(NpgsqlDataSource db, long siteId, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to,
        string interval, EventFilter filter, IReadOnlyList<DashboardDimension> lists, int limit)
    {
        var needs = lists.Aggregate(filter.Needs, (n, d) => n | PeriodEvents.Needs(d.Column));
        var columns = string.Concat(lists.Select((d, i) => $", coalesce({d.Column}, '') AS d{i}"));
        var sets = string.Concat(lists.Select((_, i) => $", (d{i}, session_id)"));
        var setOf = string.Concat(lists.Select((_, i) => $" WHEN GROUPING(d{i}) = 0 THEN {i}"));
        var value = lists.Count == 0 ? "''" : $"coalesce({string.Join(", ", lists.Select((_, i) => $"d{i}"))}, '')";
        var p = Parameters(siteId, zone, from, to, interval, filter, lists, limit);

        return ReadAsync(db, $"""
            WITH kept AS MATERIALIZED (
                SELECT session_id, visitor_id, name, revenue_amount, date_trunc(@interval, ts AT TIME ZONE @tz) AS bucket {columns}
                FROM ({PeriodEvents.Sql(needs, filter)}) e WHERE true {filter.Sql}
            ), keyed AS (
                SELECT CASE WHEN GROUPING(bucket) = 0 THEN {SeriesSet} {setOf} ELSE {TotalsSet} END AS s, bucket, {value} AS k,
                       session_id, min(visitor_id) AS visitor, count(*) FILTER (WHERE name = 'pageview') AS pv, count(*) AS ev,
                       coalesce(sum(revenue_amount), 0) AS revenue
                FROM kept GROUP BY GROUPING SETS ((session_id), (bucket, session_id) {sets})
            ), whole AS (
                SELECT session_id, count(*) FILTER (WHERE name = 'pageview') AS pv, extract(epoch FROM max(ts) - min(ts)) AS seconds
                FROM events WHERE site_id = @siteId AND ts >= @from AND ts < @to AND session_id IN (SELECT session_id FROM kept)
                GROUP BY 1
            ), counted AS (
                SELECT s, bucket, k, count(DISTINCT visitor) AS visitors, sum(keyed.pv)::bigint AS pageviews, sum(keyed.ev)::bigint AS events,
                       sum(keyed.revenue) AS revenue, count(*) AS visits, count(*) FILTER (WHERE whole.pv = 1) AS bounces,
                       coalesce(sum(whole.seconds), 0)::float8 AS seconds
                FROM keyed JOIN whole USING (session_id) GROUP BY s, bucket, k
            )
            {Ranked(lists, "SELECT session_id FROM kept")}
            """, p, from, to, zone, interval, lists);
    }

    /// <summary>
    /// The end of a filtered view's statement, after its CTE <c>counted</c> (s: the set, bucket, k: the value, visitors,
    /// pageviews, events, revenue, visits, bounces, seconds): each list's first rows by visitors (exit pages by visits,
    /// as that list ranks them; @limit, @exits), or <paramref name="byRevenue"/> by revenue, ties by value; and with the
    /// pages' list the engagement of the visits of <paramref name="sessions"/> (none without).
    /// </summary>
    internal static string Ranked(IReadOnlyList<DashboardDimension> lists, string? sessions, bool byRevenue = false) => $"""
        SELECT * FROM (
            SELECT s AS Set, rank AS Rank, bucket AS Bucket, k AS Value, visitors AS Visitors, pageviews AS Pageviews, events AS Events,
                   visits AS Visits, bounces AS Bounces, seconds AS Seconds, revenue AS Revenue,
                   0::bigint AS EngagedViews, 0::bigint AS EngagedMs, 0::bigint AS Scroll
            FROM (
                SELECT *, row_number() OVER (PARTITION BY s ORDER BY {(byRevenue ? "revenue" : "CASE WHEN s = @exits THEN visits ELSE visitors END")} DESC, k) AS rank
                FROM counted
            ) ranked
            WHERE s < 0 OR rank <= @limit
            {(lists.Contains(DashboardDimensions.Page) && sessions is not null ? $"""
            UNION ALL
            {Engagement(sessions)}
            """ : "")}
        ) result
        ORDER BY Set, Rank
        """;

    /// <summary>The parameters a filtered view's statement takes besides its filter's: @siteId, @from, @to, @tz, @interval, @limit, @exits.</summary>
    internal static DynamicParameters Parameters(long siteId, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to, string interval,
        EventFilter filter, IReadOnlyList<DashboardDimension> lists, int limit)
    {
        var exits = lists.Select((d, i) => (d, i)).Where(x => x.d == DashboardDimensions.ExitPage).Select(x => x.i).DefaultIfEmpty(int.MinValue).First();
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId, from, to, tz = zone.Id, interval, limit, exits });
        return p;
    }

    /// <summary>The pages' engagement of the visits of <paramref name="sessions"/>, as rows of the result.</summary>
    internal static string Engagement(string sessions) => $"""
        SELECT {EngagementSet} AS Set, 0::bigint AS Rank, NULL::timestamp AS Bucket, pathname AS Value, 0::bigint AS Visitors, 0::bigint AS Pageviews,
               0::bigint AS Events, 0::bigint AS Visits, 0::bigint AS Bounces, 0::float8 AS Seconds, 0::numeric AS Revenue,
               views AS EngagedViews, engaged_ms AS EngagedMs, scroll AS Scroll
        FROM ({PageEngagements.OfSessions(sessions)}) engaged
        """;

    /// <summary>Runs a filtered view's statement (ending in <see cref="Ranked"/>) and sorts its rows into the period's counts.</summary>
    internal static async Task<PeriodCounts> ReadAsync(NpgsqlDataSource db, string sql, DynamicParameters p, DateTimeOffset from, DateTimeOffset to,
        TimeZoneInfo zone, string interval, IReadOnlyList<DashboardDimension> lists) =>
        Collect(await RowsAsync(db, sql, p), from, to, zone, interval, lists);

    /// <summary>The rows of a statement that ends in <see cref="Ranked"/>, or of <see cref="Engagement"/>.</summary>
    internal static async Task<List<Row>> RowsAsync(NpgsqlDataSource db, string sql, DynamicParameters p)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        // A visit's keys are groups of their own (several a visit): room to hash them rather than sort them on disk.
        await conn.ExecuteAsync("SET LOCAL work_mem = '32MB'; SET LOCAL hash_mem_multiplier = 4", transaction: tx);
        var rows = (await conn.QueryAsync<Row>(sql, p, tx)).AsList();
        await tx.CommitAsync();
        return rows;
    }

    /// <summary>Sorts the rows into the period's counts; a bucket's rows of the chart add up (the visits' and the events' parts).</summary>
    internal static PeriodCounts Collect(IReadOnlyCollection<Row> rows, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, string interval,
        IReadOnlyList<DashboardDimension> lists)
    {
        var totals = rows.FirstOrDefault(r => r.Set == TotalsSet)?.Counts ?? Counts.None;
        var buckets = rows.Where(r => r.Set == SeriesSet).GroupBy(r => r.Bucket!.Value)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Counts).Aggregate((a, b) => a + b));
        var series = Buckets(from, to, zone, interval).Select(b => (b, buckets.GetValueOrDefault(b, Counts.None))).ToList();
        var engagement = rows.Where(r => r.Set == EngagementSet).ToDictionary(r => r.Value, r => r.Engagement);
        var tops = lists.Select((d, i) => (d, i)).ToDictionary(x => x.d.Key,
            x => (IReadOnlyList<TopRow>)rows.Where(r => r.Set == x.i)
                .Select(r => new TopRow(r.Value, r.Counts) { Engagement = x.d == DashboardDimensions.Page ? engagement.GetValueOrDefault(r.Value) : null }).ToList());
        return new PeriodCounts(totals, series, tops);
    }

    /// <summary>The chart's buckets in the site's zone, empty ones too: its local hours, days, weeks (from their Monday, as
    /// PostgreSQL's <c>date_trunc('week', …)</c>) or months from the period's start to its end.</summary>
    internal static IEnumerable<DateTime> Buckets(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, string interval)
    {
        var start = TimeZoneInfo.ConvertTime(from, zone).DateTime;
        var last = TimeZoneInfo.ConvertTime(to, zone).DateTime.AddTicks(-1);
        var bucket = interval switch
        {
            "hour" => new DateTime(start.Year, start.Month, start.Day, start.Hour, 0, 0),
            "day" => start.Date,
            "week" => Monday(start),
            _ => new DateTime(start.Year, start.Month, 1),
        };
        for (; bucket <= last; bucket = interval switch { "hour" => bucket.AddHours(1), "day" => bucket.AddDays(1), "week" => bucket.AddDays(7), _ => bucket.AddMonths(1) })
            yield return bucket;
    }

    /// <summary>The Monday that starts the (ISO) week holding <paramref name="time"/>, at midnight.</summary>
    internal static DateTime Monday(DateTime time) => time.Date.AddDays(-(((int)time.DayOfWeek + 6) % 7));
}
