using Dapper;
using Hangfire;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// A funnel's day sketches (ADR 8, table <c>funnel_days</c>): for each closed local day, a visitor sketch per step of the visits
/// whose first step was that day. A period without filters unites its days' sketches and reads only the rest from the raw
/// events: yesterday and today (their visits still go on), days not made yet, days changed since. The job makes them in the
/// background, and what a read made of closed days is kept as well. Callers have already checked the user's membership.
/// </summary>
public sealed partial class FunnelDays(NpgsqlDataSource db, TimeProvider time, ILogger<FunnelDays> logger)
{
    /// <summary>Each step's visitors over the local days [<paramref name="first"/>, <paramref name="last"/>], all visits.</summary>
    public async Task<IReadOnlyList<long>> CountAsync(long siteId, string timezone, Funnel funnel, DateOnly first, DateOnly last)
    {
        var plan = await DayPlan.PreparedAsync(await PlanAsync(siteId, timezone, funnel.Id, first, last),
            chunk => ReadAsync(siteId, timezone, funnel, chunk), () => PlanAsync(siteId, timezone, funnel.Id, first, last), time);
        return await ReadAsync(siteId, timezone, funnel, plan);
    }

    /// <summary>
    /// Makes the sketches of closed days that are missing or changed, for every funnel (or one site's), until
    /// <paramref name="budget"/> has passed; the next run goes on. Days past the site's retention are left as they are.
    /// </summary>
    /// <param name="funnelId">Only this funnel (one just added), else all of them.</param>
    /// <returns>The days made.</returns>
    internal async Task<int> FillAsync(long? siteId, TimeSpan budget, CancellationToken ct, long? funnelId = null)
    {
        List<(long Id, long SiteId, string Timezone, string Name, string[] Kinds, string[] Patterns, DateTime? FirstDay)> funnels;
        await using (var conn = await db.OpenConnectionAsync(ct))
            funnels = (await conn.QueryAsync<(long, long, string, string, string[], string[], DateTime?)>(new CommandDefinition("""
                SELECT f.id, f.site_id, s.timezone, f.name, f.kinds, f.patterns,
                       (SELECT min(day) FROM rollup_days r WHERE r.site_id = f.site_id AND r.dimension = '')
                FROM funnels f JOIN sites s ON s.id = f.site_id
                WHERE (@siteId::bigint IS NULL OR f.site_id = @siteId) AND (@funnelId::bigint IS NULL OR f.id = @funnelId)
                ORDER BY f.site_id, f.id
                """, new { siteId, funnelId }, cancellationToken: ct))).AsList();
        return await DayPlan.MakeAsync(funnels,
            async f => f.FirstDay is not { } firstDay ? null
                : await PlanAsync(f.SiteId, f.Timezone, f.Id, DateOnly.FromDateTime(firstDay), SiteClock.LocalDate(f.Timezone, time.GetUtcNow()).AddDays(-1 - Reach)),
            (f, chunk) => ReadAsync(f.SiteId, f.Timezone, Funnel.From(f.Id, f.Name, f.Kinds, f.Patterns), chunk),
            (f, chunk) => LogMade(chunk.Store.Length, f.Id, chunk.Store[0], chunk.Store[^1]),
            time, budget);
    }

    /// <summary>The job: every ten minutes, a few minutes at most, one at a time.</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task<int> RunAsync(CancellationToken ct) => FillAsync(null, Budget, ct);

    /// <summary>
    /// The job for a funnel just added, enqueued by <see cref="Funnels.AddAsync"/>: its history is ready in seconds rather
    /// than at the next run of <see cref="RunAsync"/>, which goes on where this stops. It may run beside that job: both keep
    /// their days in one order and the second to keep a day only writes it again.
    /// </summary>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task<int> MakeNewAsync(long siteId, long funnelId, CancellationToken ct) => FillAsync(siteId, Budget, ct, funnelId);

    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    /// <summary>A day's sketches read the raw events of the day before (visits that began their first step then) and after.</summary>
    private const int Reach = 1;

    private async Task<DayPlan> PlanAsync(long siteId, string timezone, long funnelId, DateOnly first, DateOnly last)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await DayPlan.LoadAsync(conn, siteId, timezone, first, last, Reach, time.GetUtcNow(),
            "SELECT day, events FROM funnel_days WHERE funnel_id = @funnelId AND day >= @first AND day <= @last", new { funnelId });
    }

    private async Task<IReadOnlyList<long>> ReadAsync(long siteId, string timezone, Funnel funnel, DayPlan plan)
    {
        var (kinds, patterns) = Goal.Arrays(funnel.Steps);
        var n = funnel.Steps.Count;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(FunnelQuery.Settings, transaction: tx);
        await conn.ExecuteAsync("CREATE TEMP TABLE fresh (d date, steps hll[]) ON COMMIT DROP", transaction: tx);
        // The fresh days' sketches, a read of the events a run of days.
        foreach (var run in DayPlan.Runs(plan.Fresh, Reach))
        {
            var (from, to) = FunnelQuery.Span(run[0], run[^1], zone);
            await conn.ExecuteAsync($"""
                WITH {FunnelQuery.Reached(n, "")}
                INSERT INTO fresh
                SELECT dd.d, array_agg(coalesce(x.h, hll_empty({FunnelQuery.Precision})) ORDER BY g.k)
                FROM unnest(@days::date[]) dd(d) CROSS JOIN generate_series(1, @n) g(k)
                LEFT JOIN (SELECT d, k, hll_add_agg(hll_hash_bigint(visitor_id), {FunnelQuery.Precision}) AS h FROM reached GROUP BY d, k) x ON x.d = dd.d AND x.k = g.k
                GROUP BY dd.d
                """, new { siteId, tz = timezone, from, to, days = run, n, kinds, patterns }, tx);
        }
        if (plan.Store.Length > 0)
            await conn.ExecuteAsync($"""
                INSERT INTO funnel_days (funnel_id, day, events, steps)
                SELECT @funnelId, f.d, s.events, f.steps FROM fresh f JOIN unnest(@store::date[], @events::bigint[]) s(d, events) ON s.d = f.d
                WHERE EXISTS (SELECT 1 FROM funnels WHERE id = @funnelId)
                ORDER BY f.d   -- rows locked in one order: a read and the job keeping the same days wait rather than deadlock
                ON CONFLICT (funnel_id, day) DO UPDATE SET events = excluded.events, steps = excluded.steps
                """, new { funnelId = funnel.Id, store = plan.Store, events = plan.Events }, tx);
        // The union of the kept days' sketches and the fresh ones, each step's visitors its estimate.
        var rows = (await conn.QueryAsync<(int K, long Visitors)>($"""
            SELECT k, round(hll_cardinality(hll_union_agg(s)))::bigint
            FROM (SELECT steps FROM fresh UNION ALL SELECT steps FROM funnel_days WHERE funnel_id = @funnelId AND day = ANY(@stored)) x,
                 unnest(x.steps) WITH ORDINALITY u(s, k)
            GROUP BY k
            """, new { funnelId = funnel.Id, stored = plan.Stored }, tx)).ToDictionary(r => r.K, r => r.Visitors);
        await tx.CommitAsync();
        return Monotonic(Enumerable.Range(1, n).Select(k => rows.GetValueOrDefault(k)));
    }

    /// <summary>A step's visitors are among the step before's: estimates that say otherwise are brought down to it.</summary>
    internal static IReadOnlyList<long> Monotonic(IEnumerable<long> estimates)
    {
        var counts = new List<long>();
        foreach (var e in estimates) counts.Add(counts.Count == 0 ? e : Math.Min(e, counts[^1]));
        return counts;
    }

    [LoggerMessage(LogLevel.Information, "Made {Days} days of funnel {FunnelId}'s sketches, {First:yyyy-MM-dd} to {Last:yyyy-MM-dd}")]
    private partial void LogMade(int days, long funnelId, DateOnly first, DateOnly last);
}
