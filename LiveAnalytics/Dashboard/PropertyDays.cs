using Dapper;
using Hangfire;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// The custom properties' day rollup (tables <c>property_days</c>, <c>property_days_made</c>; ADR 8): for each closed local
/// day, each name's most-visited values with a visitor sketch, pageviews, events and revenue, and the name's total. The
/// properties card without filters unites its period's days and reads only today (and days not made yet, or changed
/// since) from the raw events; a read keeps the closed days it made, and the job makes the rest in the background.
/// Callers have already checked the user's membership.
/// </summary>
public sealed partial class PropertyDays(NpgsqlDataSource db, TimeProvider time, ILogger<PropertyDays> logger)
{
    /// <summary>The values of a name a day keeps, the most visited: order numbers and the like stay bounded.</summary>
    public const int ValuesPerDay = 100;

    /// <summary>A day's rows read that day's events only: yesterday is closed at midnight.</summary>
    private const int Reach = 0;

    /// <summary>The names the period's events carry, the most used first.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(Site site, DateOnly first, DateOnly last, int max) =>
        await ReadAsync(site, first, last, u => NamesAsync(u, max));

    /// <summary>The values of the property <paramref name="name"/> in the period, by visitors.</summary>
    public async Task<IReadOnlyList<TopRow>> ValuesAsync(Site site, DateOnly first, DateOnly last, string name, int limit) =>
        await ReadAsync(site, first, last, u => ValuesAsync(u, name, limit));

    /// <summary>
    /// What the card shows, from one read: the names, the one to show (<paramref name="wanted"/> while the period's events
    /// still carry it, else the most used) and its values.
    /// </summary>
    public async Task<PropertyCard> CardAsync(Site site, DateOnly first, DateOnly last, int maxNames, string? wanted, int limit) =>
        await ReadAsync(site, first, last, async u =>
        {
            var names = await NamesAsync(u, maxNames);
            var name = PropertyCard.Pick(names, wanted);
            return new PropertyCard(names, name, name is null ? [] : await ValuesAsync(u, name, limit));
        });

    /// <summary>The <paramref name="maxNames"/> most used names, each with its <paramref name="perName"/> most visited values.</summary>
    public async Task<IReadOnlyList<PropertyValue>> AllValuesAsync(Site site, DateOnly first, DateOnly last, int maxNames, int perName) =>
        (await ReadAsync(site, first, last, u => u.QueryAsync<PropertyValue>("""
            , names AS (
                SELECT name FROM u WHERE value IS NULL GROUP BY name ORDER BY sum(events) DESC, name LIMIT @max
            ), counted AS (
                SELECT name, value, round(hll_cardinality(hll_union_agg(visitors)))::bigint AS visitors, sum(events)::bigint AS events,
                       sum(revenue) AS revenue
                FROM u WHERE value IS NOT NULL AND name IN (SELECT name FROM names) GROUP BY name, value
            )
            SELECT name AS Name, value AS Value, visitors AS Visitors, events AS Events, revenue AS Revenue FROM (
                SELECT *, row_number() OVER (PARTITION BY name ORDER BY visitors DESC, value) AS n FROM counted
            ) ranked WHERE n <= @perName ORDER BY Name, n
            """, new { max = maxNames, perName }))).AsList();

    private static async Task<IReadOnlyList<string>> NamesAsync(Union u, int max) =>
        (await u.QueryAsync<string>("SELECT name FROM u WHERE value IS NULL GROUP BY name ORDER BY sum(events) DESC, name LIMIT @max", new { max })).AsList();

    private static async Task<IReadOnlyList<TopRow>> ValuesAsync(Union u, string name, int limit)
    {
        var rows = await u.QueryAsync<(string Value, long Visitors, long Pageviews, long Events, decimal Revenue)>("""
            SELECT value, round(hll_cardinality(hll_union_agg(visitors)))::bigint, sum(pageviews)::bigint, sum(events)::bigint, sum(revenue)
            FROM u WHERE name = @propKey AND value IS NOT NULL
            GROUP BY value ORDER BY 2 DESC, value LIMIT @limit
            """, new { propKey = name, limit });
        return rows.Select(r => new TopRow(r.Value, new Counts(r.Visitors, r.Pageviews, r.Events, 0, 0, 0, r.Revenue))).ToList();
    }

    /// <summary>Makes the closed days that are missing or changed, of every site (or one), until <paramref name="budget"/> has passed.</summary>
    /// <returns>The days made.</returns>
    internal async Task<int> FillAsync(long? siteId, TimeSpan budget, CancellationToken ct)
    {
        List<(long Id, string Timezone, DateTime? FirstDay)> sites;
        await using (var conn = await db.OpenConnectionAsync(ct))
            sites = (await conn.QueryAsync<(long, string, DateTime?)>(new CommandDefinition("""
                SELECT s.id, s.timezone, (SELECT min(day) FROM rollup_days r WHERE r.site_id = s.id AND r.dimension = '')
                FROM sites s WHERE @siteId::bigint IS NULL OR s.id = @siteId ORDER BY s.id
                """, new { siteId }, cancellationToken: ct))).AsList();
        return await DayPlan.MakeAsync(sites,
            async s => s.FirstDay is not { } firstDay ? null
                : await PlanAsync(s.Id, s.Timezone, DateOnly.FromDateTime(firstDay), SiteClock.LocalDate(s.Timezone, time.GetUtcNow()).AddDays(-1 - Reach)),
            (s, chunk) => MakeAsync(s.Id, s.Timezone, chunk),
            (s, chunk) => LogMade(chunk.Store.Length, s.Id, chunk.Store[0], chunk.Store[^1]),
            time, budget);
    }

    /// <summary>The job: every ten minutes, a few minutes at most, one at a time.</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task<int> RunAsync(CancellationToken ct) => FillAsync(null, TimeSpan.FromMinutes(4), ct);

    private async Task<DayPlan> PlanAsync(long siteId, string timezone, DateOnly first, DateOnly last)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await DayPlan.LoadAsync(conn, siteId, timezone, first, last, Reach, time.GetUtcNow(),
            "SELECT day, events FROM property_days_made WHERE site_id = @siteId AND day >= @first AND day <= @last", new { siteId });
    }

    private async Task<T> ReadAsync<T>(Site site, DateOnly first, DateOnly last, Func<Union, Task<T>> read)
    {
        var plan = await DayPlan.PreparedAsync(await PlanAsync(site.Id, site.Timezone, first, last),
            chunk => MakeAsync(site.Id, site.Timezone, chunk), () => PlanAsync(site.Id, site.Timezone, first, last), time);
        return await ReadAsync(site.Id, site.Timezone, plan, read);
    }

    /// <summary>Makes and keeps the days of <paramref name="chunk"/>, reading nothing back.</summary>
    private Task MakeAsync(long siteId, string timezone, DayPlan chunk) => ReadAsync(siteId, timezone, chunk, _ => Task.FromResult(0));

    /// <summary>
    /// Runs <paramref name="read"/>'s queries over <c>u</c> (name, value, visitors, pageviews, events, revenue): the kept days'
    /// rows and the fresh days' from the raw events (a read a run of days, into a temporary table), whose closed days it
    /// keeps first.
    /// </summary>
    private async Task<T> ReadAsync<T>(long siteId, string timezone, DayPlan plan, Func<Union, Task<T>> read)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("SET LOCAL jit = off", transaction: tx);   // short statements: compiling costs more than it saves
        await conn.ExecuteAsync("""
            CREATE TEMP TABLE fresh (d date, name text, value text, visitors hll, pageviews bigint, events bigint, revenue numeric) ON COMMIT DROP
            """, transaction: tx);
        foreach (var run in DayPlan.Runs(plan.Fresh, Reach))
            await conn.ExecuteAsync($"INSERT INTO fresh {Fresh}", new
            {
                siteId, tz = timezone, from = StatsPeriod.StartOfDay(run[0], zone), to = StatsPeriod.StartOfDay(run[^1].AddDays(1), zone),
                days = run, perDay = ValuesPerDay,
            }, tx);
        if (plan.Store.Length > 0)
            await conn.ExecuteAsync(Keep, new { siteId, store = plan.Store, events = plan.Events }, tx);
        var result = await read(new Union(conn, tx, siteId, plan.Stored));
        await tx.CommitAsync();
        return result;
    }

    /// <summary>Queries over <c>u</c>, the kept days' rows and the fresh ones, in one read's transaction.</summary>
    private sealed class Union(NpgsqlConnection conn, NpgsqlTransaction tx, long siteId, DateOnly[] stored)
    {
        public Task<IEnumerable<T>> QueryAsync<T>(string select, object args)
        {
            var p = new DynamicParameters(args);
            p.AddDynamicParams(new { siteId, stored });
            return conn.QueryAsync<T>($"""
                WITH u AS (
                    SELECT name, value, visitors, pageviews, events, revenue FROM fresh
                    UNION ALL
                    SELECT name, value, visitors, pageviews, events, revenue FROM property_days WHERE site_id = @siteId AND day = ANY(@stored)
                ) {select}
                """, p, tx);
        }
    }

    /// <summary>
    /// The fresh days' rows: each day's values of each name (the <see cref="ValuesPerDay"/> most visited) and the name's
    /// total (value null), from the events of [@from, @to) on @days.
    /// </summary>
    private static readonly string Fresh = """
        WITH kv AS (
            SELECT (e.ts AT TIME ZONE @tz)::date AS d, p.key AS name, p.value, e.visitor_id, e.name AS event, e.revenue_amount
            FROM events e CROSS JOIN LATERAL jsonb_each_text(e.props) p
            WHERE e.site_id = @siteId AND e.ts >= @from AND e.ts < @to AND e.props IS NOT NULL AND p.value IS NOT NULL
        ), valued AS (
            SELECT d, name, value, hll_add_agg(hll_hash_bigint(visitor_id)) AS visitors, count(DISTINCT visitor_id) AS exact,
                   count(*) FILTER (WHERE event = 'pageview') AS pageviews, count(*) AS events, coalesce(sum(revenue_amount), 0) AS revenue
            FROM kv WHERE d = ANY(@days) GROUP BY GROUPING SETS ((d, name, value), (d, name))
        )
        SELECT d, name, value, visitors, pageviews, events, revenue FROM (
            SELECT *, row_number() OVER (PARTITION BY d, name, value IS NULL ORDER BY exact DESC, value) AS n FROM valued
        ) ranked WHERE value IS NULL OR n <= @perDay
        """;

    /// <summary>Keeps the fresh closed days (@store, made from @events): their old rows go, the new ones come in.</summary>
    private static readonly string Keep = """
        DELETE FROM property_days WHERE site_id = @siteId AND day = ANY(@store);
        INSERT INTO property_days (site_id, day, name, value, visitors, pageviews, events, revenue)
        SELECT @siteId, d, name, value, visitors, pageviews, events, revenue FROM fresh
        WHERE d = ANY(@store) AND EXISTS (SELECT 1 FROM sites WHERE id = @siteId)
        ORDER BY d, name, value   -- rows locked in one order: a read and the job keeping the same days wait rather than deadlock
        ON CONFLICT (site_id, day, name, value) DO UPDATE SET
            visitors = excluded.visitors, pageviews = excluded.pageviews, events = excluded.events, revenue = excluded.revenue;
        INSERT INTO property_days_made (site_id, day, events)
        SELECT @siteId, s.d, s.events FROM unnest(@store::date[], @events::bigint[]) s(d, events)
        WHERE EXISTS (SELECT 1 FROM sites WHERE id = @siteId)
        ON CONFLICT (site_id, day) DO UPDATE SET events = excluded.events;
        """;

    [LoggerMessage(LogLevel.Information, "Made {Days} days of site {SiteId}'s custom properties, {First:yyyy-MM-dd} to {Last:yyyy-MM-dd}")]
    private partial void LogMade(int days, long siteId, DateOnly first, DateOnly last);
}
