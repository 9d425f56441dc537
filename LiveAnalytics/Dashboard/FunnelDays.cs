using Dapper;
using Hangfire;
using LiveAnalytics.Retention;
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
    /// <summary>The most days one statement of the job makes: about a month of a busy store's events read at once.</summary>
    private const int DaysPerStatement = 31;

    /// <summary>Each step's visitors over the local days [<paramref name="first"/>, <paramref name="last"/>], all visits.</summary>
    public async Task<IReadOnlyList<long>> CountAsync(long siteId, string timezone, Funnel funnel, DateOnly first, DateOnly last)
    {
        var plan = await PlanAsync(siteId, timezone, funnel.Id, first, last);
        return await ReadAsync(siteId, timezone, funnel, plan);
    }

    /// <summary>
    /// Makes the sketches of closed days that are missing or changed, for every funnel (or one site's), until
    /// <paramref name="budget"/> has passed; the next run goes on. Days past the site's retention are left as they are.
    /// </summary>
    /// <returns>The days made.</returns>
    internal async Task<int> FillAsync(long? siteId, TimeSpan budget, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        List<(long Id, long SiteId, string Timezone, string Name, string[] Kinds, string[] Patterns, DateTime? FirstDay)> funnels;
        await using (var conn = await db.OpenConnectionAsync(ct))
            funnels = (await conn.QueryAsync<(long, long, string, string, string[], string[], DateTime?)>(new CommandDefinition("""
                SELECT f.id, f.site_id, s.timezone, f.name, f.kinds, f.patterns,
                       (SELECT min(day) FROM rollup_days r WHERE r.site_id = f.site_id AND r.dimension = '')
                FROM funnels f JOIN sites s ON s.id = f.site_id
                WHERE @siteId::bigint IS NULL OR f.site_id = @siteId
                ORDER BY f.site_id, f.id
                """, new { siteId }, cancellationToken: ct))).AsList();
        var made = 0;
        foreach (var f in funnels)
        {
            if (f.FirstDay is not { } firstDay) continue;
            var funnel = new Funnel(f.Id, f.Name, f.Kinds.Select((kind, i) => new Goal(i + 1, kind, f.Patterns[i])).ToList());
            var today = SiteClock.LocalDate(f.Timezone, time.GetUtcNow());
            var plan = await PlanAsync(f.SiteId, f.Timezone, f.Id, DateOnly.FromDateTime(firstDay), today.AddDays(-2));
            foreach (var range in Chunks(plan.Store))
            {
                if (time.GetElapsedTime(started) > budget) return made;
                var chunk = plan.Store[range];
                await ReadAsync(f.SiteId, f.Timezone, funnel, new Plan([], chunk, chunk, plan.Events[range]));
                made += chunk.Length;
                LogMade(chunk.Length, f.Id, chunk[0], chunk[^1]);
            }
        }
        return made;
    }

    /// <summary>The job: every ten minutes, a few minutes at most, one at a time.</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task<int> RunAsync(CancellationToken ct) => FillAsync(null, TimeSpan.FromMinutes(4), ct);

    /// <summary>
    /// Which days of [<paramref name="first"/>, <paramref name="last"/>] come from kept sketches and which from the raw events,
    /// and which of those to keep, with the number of events each is made from.
    /// </summary>
    /// <param name="Stored">Days whose kept sketches hold.</param>
    /// <param name="Fresh">Days read from the raw events.</param>
    /// <param name="Store">Those of the fresh days to keep (closed, their raw events all there), with <paramref name="Events"/>.</param>
    internal sealed record Plan(DateOnly[] Stored, DateOnly[] Fresh, DateOnly[] Store, long[] Events);

    private async Task<Plan> PlanAsync(long siteId, string timezone, long funnelId, DateOnly first, DateOnly last)
    {
        await using var conn = await db.OpenConnectionAsync();
        var keepDays = await conn.ExecuteScalarAsync<int?>("SELECT keep_events_days FROM sites WHERE id = @siteId", new { siteId });
        var totals = (await conn.QueryAsync<(DateTime Day, long Events)>("""
            SELECT day, events FROM rollup_days
            WHERE site_id = @siteId AND dimension = '' AND value = '' AND day >= @start AND day <= @end
            """, new { siteId, start = first.AddDays(-1), end = last.AddDays(1) })).ToDictionary(r => DateOnly.FromDateTime(r.Day), r => r.Events);
        var stored = (await conn.QueryAsync<(DateTime Day, long Events)>(
            "SELECT day, events FROM funnel_days WHERE funnel_id = @funnelId AND day >= @first AND day <= @last",
            new { funnelId, first, last })).ToDictionary(r => DateOnly.FromDateTime(r.Day), r => r.Events);
        var now = time.GetUtcNow();
        // A day's sketches read the raw events of the day before and after it: only days whose three are all kept are made.
        var firstWhole = keepDays is { } days ? SiteClock.LocalDate(timezone, EventRetention.Cutoff(now, days)).AddDays(2) : DateOnly.MinValue;
        return Choose(FunnelQuery.Days(first, last), SiteClock.LocalDate(timezone, now), firstWhole, totals, stored);
    }

    /// <param name="firstWhole">The first day whose raw events, and those of the days around it, the site's retention keeps.</param>
    /// <param name="totals">The site's events by day, from the rollups.</param>
    /// <param name="stored">The kept days, with the events each was made from.</param>
    internal static Plan Choose(IEnumerable<DateOnly> days, DateOnly today, DateOnly firstWhole,
        IReadOnlyDictionary<DateOnly, long> totals, IReadOnlyDictionary<DateOnly, long> stored)
    {
        List<DateOnly> kept = [], fresh = [], store = [];
        List<long> events = [];
        long Of(DateOnly day) => totals.GetValueOrDefault(day);
        foreach (var day in days)
        {
            if (day > today) break;
            // Yesterday's visits may still take steps today: both days are read afresh until they are over.
            if (day >= today.AddDays(-1)) { fresh.Add(day); continue; }
            if (Of(day) == 0) continue;   // no events, no visits
            var around = Of(day.AddDays(-1)) + Of(day) + Of(day.AddDays(1));
            // Past the retention the raw events are gone: what was kept is the best there is.
            if (stored.TryGetValue(day, out var was) && (was == around || day < firstWhole)) { kept.Add(day); continue; }
            fresh.Add(day);
            if (day >= firstWhole) { store.Add(day); events.Add(around); }
        }
        return new Plan([.. kept], [.. fresh], [.. store], [.. events]);
    }

    /// <summary>Runs of the (ordered) days spanning at most <see cref="DaysPerStatement"/> days, for one read of the events each.</summary>
    internal static IEnumerable<Range> Chunks(IReadOnlyList<DateOnly> days)
    {
        for (var i = 0; i < days.Count;)
        {
            var n = 1;
            while (i + n < days.Count && days[i + n].DayNumber - days[i].DayNumber < DaysPerStatement) n++;
            yield return i..(i + n);
            i += n;
        }
    }

    private async Task<IReadOnlyList<long>> ReadAsync(long siteId, string timezone, Funnel funnel, Plan plan)
    {
        var (kinds, patterns) = Goal.Arrays(funnel.Steps);
        var n = funnel.Steps.Count;
        var (from, to) = plan.Fresh.Length == 0 ? default
            : FunnelQuery.Span(plan.Fresh[0], plan.Fresh[^1], TimeZoneInfo.FindSystemTimeZoneById(timezone));
        var args = new
        {
            siteId, funnelId = funnel.Id, tz = timezone, from, to, days = plan.Fresh, n, kinds, patterns,
            stored = plan.Stored, store = plan.Store, events = plan.Events,
        };
        // The union of the kept days' sketches and the fresh ones, each step's visitors its estimate.
        const string Visitors = """
            SELECT k, round(hll_cardinality(hll_union_agg(s)))::bigint
            FROM (SELECT steps FROM fresh UNION ALL SELECT steps FROM funnel_days WHERE funnel_id = @funnelId AND day = ANY(@stored)) x,
                 unnest(x.steps) WITH ORDINALITY u(s, k)
            GROUP BY k
            """;
        var sql = plan.Fresh.Length == 0 ? $"WITH fresh AS (SELECT NULL::hll[] AS steps WHERE false) {Visitors}" : $"""
            WITH {FunnelQuery.Reached(n, "")},
            fresh AS (
                SELECT dd.d, array_agg(coalesce(x.h, hll_empty({FunnelQuery.Precision})) ORDER BY g.k) AS steps
                FROM unnest(@days::date[]) dd(d) CROSS JOIN generate_series(1, @n) g(k)
                LEFT JOIN (SELECT d, k, hll_add_agg(hll_hash_bigint(visitor_id), {FunnelQuery.Precision}) AS h FROM reached GROUP BY d, k) x ON x.d = dd.d AND x.k = g.k
                GROUP BY dd.d
            ),
            kept AS (
                INSERT INTO funnel_days (funnel_id, day, events, steps)
                SELECT @funnelId, f.d, s.events, f.steps FROM fresh f JOIN unnest(@store::date[], @events::bigint[]) s(d, events) ON s.d = f.d
                WHERE EXISTS (SELECT 1 FROM funnels WHERE id = @funnelId)
                ORDER BY f.d   -- rows locked in one order: a read and the job keeping the same days wait rather than deadlock
                ON CONFLICT (funnel_id, day) DO UPDATE SET events = excluded.events, steps = excluded.steps
            )
            {Visitors}
            """;
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(FunnelQuery.Settings, transaction: tx);
        var rows = (await conn.QueryAsync<(int K, long Visitors)>(sql, args, tx)).ToDictionary(r => r.K, r => r.Visitors);
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

    [LoggerMessage(LogLevel.Information, "Made {Days} days of funnel {FunnelId}'s sketches, {First} to {Last}")]
    private partial void LogMade(int days, long funnelId, DateOnly first, DateOnly last);
}
