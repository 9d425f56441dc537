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
    /// <summary>Every metric's sum over rollup rows (columns visitors … revenue), as Counts reads them.</summary>
    internal static readonly string Sums = """
        coalesce(round(hll_cardinality(hll_union_agg(visitors))), 0)::bigint AS Visitors,
        coalesce(sum(pageviews), 0)::bigint AS Pageviews, coalesce(sum(events), 0)::bigint AS Events,
        coalesce(sum(visits), 0)::bigint AS Visits, coalesce(sum(bounces), 0)::bigint AS Bounces,
        coalesce(sum(visit_seconds), 0)::float8 AS Seconds, coalesce(sum(revenue), 0) AS Revenue
        """;

    /// <summary>The site's first local day in the rollups (the start of its stats), or null before it has any.</summary>
    public async Task<DateOnly?> FirstDayAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var day = await conn.ExecuteScalarAsync<DateTime?>("SELECT min(day) FROM rollup_days WHERE site_id = @siteId AND dimension = ''", new { siteId });
        return day is { } d ? DateOnly.FromDateTime(d) : null;
    }

    /// <summary>How many values <paramref name="dimension"/> took over the local days [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public async Task<long> CountValuesAsync(long siteId, DateOnly from, DateOnly to, string dimension)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("""
            SELECT count(DISTINCT value) FROM rollup_days WHERE site_id = @siteId AND dimension = @dimension AND day >= @start AND day < @end
            """, new { siteId, dimension, start = from, end = to.AddDays(1) });
    }

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

    /// <summary>Several sites' totals of one local day each (their today, in their own zones), in one query.</summary>
    public async Task<IReadOnlyDictionary<long, Counts>> DaysAsync(IReadOnlyCollection<(long SiteId, DateOnly Day)> days)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<long, Counts, (long, Counts)>($"""
            SELECT q.site_id AS SiteId, {Sums}
            FROM unnest(@sites::bigint[], @days::date[]) q(site_id, local_day)
            LEFT JOIN rollup_days r ON r.site_id = q.site_id AND r.dimension = '' AND r.day = q.local_day
            GROUP BY q.site_id
            """, (site, counts) => (site, counts), new { sites = days.Select(d => d.SiteId).ToArray(), days = days.Select(d => d.Day).ToArray() },
            splitOn: "Visitors");
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    /// <summary>
    /// Several sites' visitors in each of a day's local hours, in one query: for each site the 24 hours from its
    /// <c>FirstHour</c> (local, whole), an hour without visitors a zero.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, long[]>> HoursAsync(IReadOnlyCollection<(long SiteId, DateTime FirstHour)> sites)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(long SiteId, int Hour, long Visitors)>("""
            SELECT q.site_id, (extract(epoch FROM r.hour - q.first_hour) / 3600)::int, round(hll_cardinality(hll_union_agg(r.visitors)))::bigint
            FROM unnest(@sites::bigint[], @firsts::timestamp[]) q(site_id, first_hour)
            JOIN rollup_hours r ON r.site_id = q.site_id AND r.dimension = '' AND r.hour >= q.first_hour AND r.hour < q.first_hour + interval '24 hours'
            GROUP BY 1, 2
            """, new { sites = sites.Select(s => s.SiteId).ToArray(), firsts = sites.Select(s => s.FirstHour).ToArray() });
        var hours = sites.ToDictionary(s => s.SiteId, _ => new long[24]);
        foreach (var (siteId, hour, visitors) in rows) hours[siteId][hour] = visitors;
        return hours;
    }

    /// <summary>A point per local hour, day, week (from its Monday) or month of the range, empty ones with zeros.</summary>
    /// <param name="interval">hour (read from <c>rollup_hours</c>), day, week or month (from <c>rollup_days</c>).</param>
    public async Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> SeriesAsync(long siteId, DateOnly from, DateOnly to, string interval)
    {
        var (table, column, step) = interval switch
        {
            "hour" => ("rollup_hours", "hour", "1 hour"),
            "day" => ("rollup_days", "day::timestamp", "1 day"),
            "week" => ("rollup_days", "date_trunc('week', day)", "1 week"),
            "month" => ("rollup_days", "date_trunc('month', day)", "1 month"),
            _ => throw new ArgumentOutOfRangeException(nameof(interval), interval, "hour, day, week or month"),
        };
        var p = Range(siteId, from, to);
        p.AddDynamicParams(new { step });
        await using var conn = await db.OpenConnectionAsync();
        // The table and bucket expression come from the fixed switch above, never from input.
        var rows = await conn.QueryAsync<DateTime, Counts, (DateTime, Counts)>($"""
            WITH counted AS (
                SELECT {column} AS bucket, {Sums} FROM {table}
                WHERE site_id = @siteId AND dimension = '' AND {(interval == "hour" ? "hour" : "day")} >= @start AND {(interval == "hour" ? "hour" : "day")} < @end
                GROUP BY 1
            )
            SELECT b.bucket AS Bucket, coalesce(c.Visitors, 0) AS Visitors, coalesce(c.Pageviews, 0) AS Pageviews,
                   coalesce(c.Events, 0) AS Events, coalesce(c.Visits, 0) AS Visits, coalesce(c.Bounces, 0) AS Bounces,
                   coalesce(c.Seconds, 0) AS Seconds, coalesce(c.Revenue, 0) AS Revenue
            FROM generate_series(date_trunc('{interval}', @start::timestamp), @end::timestamp - interval '1 microsecond', @step::interval) b(bucket)
            LEFT JOIN counted c ON c.bucket = b.bucket
            ORDER BY 1
            """, (bucket, counts) => (bucket, counts), p, splitOn: "Visitors");
        return rows.AsList();
    }

    /// <summary>
    /// Top values by unique visitors; exit pages, which keep no visitor sketch, by visits (exits).
    /// Merging every value's sketches over a long range is what costs, so only the values with the
    /// most events are merged: no value has more visitors than events, so once the last value shown
    /// has at least as many visitors as the first value left out has events, the list is the true top.
    /// Until then the candidates grow. The ranking reads a narrow index; the candidates' rows are read by value.
    /// </summary>
    /// <param name="dimension">A dimension of the rollups: page, event, source, referrer, utm_source, utm_medium,
    /// utm_campaign, channel, country, region, city, device, browser, os, entry_page or exit_page. '' is a missing value.</param>
    /// <param name="search">Only the values it finds (the top of those).</param>
    public async Task<IReadOnlyList<(string Value, Counts Counts)>> TopAsync(long siteId, DateOnly from, DateOnly to, string dimension, int limit,
        ValueSearch? search = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        for (var candidates = Math.Max(20, 2 * limit); ; candidates *= 4)
        {
            var p = Range(siteId, from, to);
            p.AddDynamicParams(new { dimension, limit, candidates });
            search?.AddTo(p);
            var rows = (await conn.QueryAsync<string, Counts, long?, (string Value, Counts Counts, long? Threshold)>($"""
                WITH ranked AS (
                    SELECT value, row_number() OVER (ORDER BY sum(events) DESC, value) AS n, sum(events) AS weight FROM rollup_days
                    WHERE site_id = @siteId AND dimension = @dimension AND day >= @start AND day < @end {search?.Sql}
                    GROUP BY value
                )
                SELECT r.value AS Value, s.*, (SELECT weight FROM ranked WHERE n = @candidates + 1)::bigint AS Threshold
                FROM ranked r CROSS JOIN LATERAL (
                    SELECT {Sums} FROM rollup_days d
                    WHERE d.site_id = @siteId AND d.dimension = @dimension AND d.value = r.value AND d.day >= @start AND d.day < @end
                ) s
                WHERE r.n <= @candidates
                ORDER BY s.Visitors DESC, s.Visits DESC, r.value LIMIT @limit
                """, (value, counts, threshold) => (value, counts, threshold), p, splitOn: "Visitors,Threshold")).AsList();
            var threshold = rows.Count == 0 ? null : rows[0].Threshold;
            long Rank(Counts c) => dimension == "exit_page" ? c.Visits : c.Visitors;
            if (threshold is null || (rows.Count == limit && Rank(rows[^1].Counts) >= threshold))
                return rows.Select(r => (r.Value, r.Counts)).ToList();
        }
    }

    /// <summary>
    /// A page of the values that brought the most revenue (ties by value), with all their counts. Revenue is an exact sum
    /// in every row, so the ranking needs no sketches: only the page's values have theirs merged.
    /// </summary>
    public async Task<IReadOnlyList<(string Value, Counts Counts)>> TopByRevenueAsync(long siteId, DateOnly from, DateOnly to, string dimension,
        int limit, int offset, ValueSearch? search = null)
    {
        var p = Range(siteId, from, to);
        p.AddDynamicParams(new { dimension, limit, offset });
        search?.AddTo(p);
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<string, Counts, (string Value, Counts Counts)>($"""
            WITH ranked AS (
                SELECT value, sum(revenue) AS revenue FROM rollup_days
                WHERE site_id = @siteId AND dimension = @dimension AND day >= @start AND day < @end {search?.Sql}
                GROUP BY value ORDER BY 2 DESC, 1 LIMIT @limit OFFSET @offset
            )
            SELECT r.value AS Value, s.*
            FROM ranked r CROSS JOIN LATERAL (
                SELECT {Sums} FROM rollup_days d
                WHERE d.site_id = @siteId AND d.dimension = @dimension AND d.value = r.value AND d.day >= @start AND d.day < @end
            ) s
            ORDER BY r.revenue DESC, r.value
            """, (value, counts) => (value, counts), p, splitOn: "Visitors");
        return rows.AsList();
    }

    /// <summary>The counts of each (dimension, value) of <paramref name="keys"/> over the range, in one query.</summary>
    public async Task<IReadOnlyDictionary<(string Dimension, string Value), Counts>> CountsOfAsync(long siteId, DateOnly from, DateOnly to,
        IReadOnlyCollection<(string Dimension, string Value)> keys)
    {
        if (keys.Count == 0) return new Dictionary<(string, string), Counts>();
        var p = Range(siteId, from, to);
        p.AddDynamicParams(new { dimensions = keys.Select(k => k.Dimension).ToArray(), values = keys.Select(k => k.Value).ToArray() });
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<string, string, Counts, (string Dimension, string Value, Counts Counts)>($"""
            SELECT k.dimension AS Dimension, k.value AS Value, {Sums}
            FROM unnest(@dimensions::text[], @values::text[]) k(dimension, value)
            LEFT JOIN rollup_days r ON r.site_id = @siteId AND r.dimension = k.dimension AND r.value = k.value AND r.day >= @start AND r.day < @end
            GROUP BY k.dimension, k.value
            """, (dimension, value, counts) => (dimension, value, counts), p, splitOn: "Value,Visitors");
        return rows.ToDictionary(r => (r.Dimension, r.Value), r => r.Counts);
    }

    private static DynamicParameters Range(long siteId, DateOnly from, DateOnly to)
    {
        var p = new DynamicParameters();
        p.AddDynamicParams(new { siteId, start = from, end = to.AddDays(1) });
        return p;
    }
}

/// <summary>Which values of a dimension a list keeps: those holding a text (<paramref name="Like"/>, an ILIKE pattern), or
/// some values exactly (countries, whose names a search finds but whose rows hold their codes; '' the missing value);
/// and never those of <paramref name="Except"/> (the custom events' list is not the pageviews').</summary>
public sealed record ValueSearch(string? Like, string[]? Values, string[]? Except = null)
{
    /// <summary>With <see cref="Like"/>: the missing value too (its label, "Direct / None", holds the text searched).</summary>
    public bool Missing { get; init; }

    public string Sql => (Like is not null ? Missing ? " AND (value ILIKE @searchLike OR value = '')" : " AND value ILIKE @searchLike"
            : Values is not null ? " AND value = ANY(@searchValues)" : "")
        + (Except is not null ? " AND value <> ALL(@searchExcept)" : "");

    public void AddTo(DynamicParameters p)
    {
        if (Like is not null) p.Add("searchLike", Like);
        if (Values is not null) p.Add("searchValues", Values);
        if (Except is not null) p.Add("searchExcept", Except);
    }
}
