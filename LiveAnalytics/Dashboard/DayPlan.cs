using Dapper;
using LiveAnalytics.Retention;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// For the day rollups that raw-event cards keep (a funnel's, the custom properties'): which days of a period come from
/// kept rows and which from the raw events, and which of those to keep, with the number of events each is made from.
/// A kept day holds while the site's events of it, and of the <c>reach</c> days each side that it reads, are as many as
/// the rollups said when it was made (an import, late events or a rebuild change them).
/// </summary>
/// <param name="Stored">Days whose kept rows hold.</param>
/// <param name="Fresh">Days read from the raw events.</param>
/// <param name="Store">Those of the fresh days to keep (closed, their raw events all there), with <paramref name="Events"/>.</param>
internal sealed record DayPlan(DateOnly[] Stored, DateOnly[] Fresh, DateOnly[] Store, long[] Events)
{
    /// <summary>The most days one statement of a job makes: about a month of a busy store's events read at once.</summary>
    public const int DaysPerStatement = 31;

    /// <summary>
    /// The plan for the local days [<paramref name="first"/>, <paramref name="last"/>] of a site.
    /// </summary>
    /// <param name="kept">A query of (day, events) of the kept days in [@first, @last], with its parameters besides those.</param>
    public static async Task<DayPlan> LoadAsync(NpgsqlConnection conn, long siteId, string timezone, DateOnly first, DateOnly last, int reach,
        DateTimeOffset now, string kept, object keptArgs)
    {
        var keepDays = await conn.ExecuteScalarAsync<int?>("SELECT keep_events_days FROM sites WHERE id = @siteId", new { siteId });
        var totals = (await conn.QueryAsync<(DateTime Day, long Events)>("""
            SELECT day, events FROM rollup_days
            WHERE site_id = @siteId AND dimension = '' AND value = '' AND day >= @start AND day <= @end
            """, new { siteId, start = first.AddDays(-reach), end = last.AddDays(reach) })).ToDictionary(r => DateOnly.FromDateTime(r.Day), r => r.Events);
        var p = new DynamicParameters(keptArgs);
        p.AddDynamicParams(new { first, last });
        var stored = (await conn.QueryAsync<(DateTime Day, long Events)>(kept, p)).ToDictionary(r => DateOnly.FromDateTime(r.Day), r => r.Events);
        // The retention's cutoff day is deleted in part; a day is made only when it and the days it reaches are whole.
        var firstWhole = keepDays is { } days ? SiteClock.LocalDate(timezone, EventRetention.Cutoff(now, days)).AddDays(1 + reach) : DateOnly.MinValue;
        return Choose(Days(first, last), SiteClock.LocalDate(timezone, now), reach, firstWhole, totals, stored);
    }

    /// <param name="reach">The days each side a day's rows read: the last <paramref name="reach"/> days before today are
    /// open (their visits may still go on into today) and read afresh, as today is.</param>
    /// <param name="firstWhole">The first day whose raw events, and those of the days it reaches, the site's retention keeps.</param>
    /// <param name="totals">The site's events by day, from the rollups.</param>
    /// <param name="stored">The kept days, with the events each was made from.</param>
    public static DayPlan Choose(IEnumerable<DateOnly> days, DateOnly today, int reach, DateOnly firstWhole,
        IReadOnlyDictionary<DateOnly, long> totals, IReadOnlyDictionary<DateOnly, long> stored)
    {
        List<DateOnly> kept = [], fresh = [], store = [];
        List<long> events = [];
        long Of(DateOnly day) => totals.GetValueOrDefault(day);
        foreach (var day in days)
        {
            if (day > today) break;
            if (day >= today.AddDays(-reach)) { fresh.Add(day); continue; }
            if (Of(day) == 0) continue;   // no events, nothing to count
            var around = Enumerable.Range(-reach, 2 * reach + 1).Sum(d => Of(day.AddDays(d)));
            // Past the retention the raw events are gone: what was kept is the best there is.
            if (stored.TryGetValue(day, out var was) && (was == around || day < firstWhole)) { kept.Add(day); continue; }
            fresh.Add(day);
            if (day >= firstWhole) { store.Add(day); events.Add(around); }
        }
        return new DayPlan([.. kept], [.. fresh], [.. store], [.. events]);
    }

    /// <summary>Runs of the (ordered) days spanning at most <see cref="DaysPerStatement"/> days, for one read of the events each.</summary>
    public static IEnumerable<Range> Chunks(IReadOnlyList<DateOnly> days)
    {
        for (var i = 0; i < days.Count;)
        {
            var n = 1;
            while (i + n < days.Count && days[i + n].DayNumber - days[i].DayNumber < DaysPerStatement) n++;
            yield return i..(i + n);
            i += n;
        }
    }

    /// <summary>
    /// The (ordered) fresh days in runs that one read of the events serves: days more than <c>2 × reach + 1</c> apart start a
    /// new run, so that a changed day months back and today are two short reads, not one of every day between.
    /// </summary>
    public static IEnumerable<DateOnly[]> Runs(IReadOnlyList<DateOnly> days, int reach)
    {
        for (var i = 0; i < days.Count;)
        {
            var n = 1;
            while (i + n < days.Count && days[i + n].DayNumber - days[i + n - 1].DayNumber <= 2 * reach + 1) n++;
            yield return days.Skip(i).Take(n).ToArray();
            i += n;
        }
    }

    /// <summary>Each day of [<paramref name="first"/>, <paramref name="last"/>].</summary>
    public static DateOnly[] Days(DateOnly first, DateOnly last) =>
        Enumerable.Range(0, Math.Max(0, last.DayNumber - first.DayNumber + 1)).Select(first.AddDays).ToArray();

    /// <summary>
    /// A job's work: the days to keep of each owner's plan (a funnel's, a site's; null: nothing to make), a chunk of
    /// <see cref="Chunks"/> a statement, until <paramref name="budget"/> has passed; the next run goes on.
    /// </summary>
    /// <returns>The days made.</returns>
    public static async Task<int> MakeAsync<T>(IEnumerable<T> owners, Func<T, Task<DayPlan?>> plan, Func<T, DayPlan, Task> make,
        Action<T, DayPlan> made, TimeProvider time, TimeSpan budget)
    {
        var started = time.GetTimestamp();
        var count = 0;
        foreach (var owner in owners)
        {
            if (await plan(owner) is not { } p) continue;
            foreach (var range in Chunks(p.Store))
            {
                if (time.GetElapsedTime(started) > budget) return count;
                var chunk = p.Making(range);
                try
                {
                    await make(owner, chunk);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
                {
                    break;   // the owner went meanwhile (a funnel removed, a site deleted): the others go on
                }
                count += chunk.Store.Length;
                made(owner, chunk);
            }
        }
        return count;
    }

    /// <summary>
    /// Before a read of a long period none of whose days are kept yet (a new funnel, an upgraded install): makes its days
    /// to keep a chunk a statement, each kept as it goes, so that no statement outlasts the command timeout and a view cut
    /// short leaves its work for the next. Returns the plan to read, planned again when anything was made.
    /// </summary>
    public static async Task<DayPlan> PreparedAsync(DayPlan plan, Func<DayPlan, Task> make, Func<Task<DayPlan>> planAgain, TimeProvider time)
    {
        if (plan.Store.Length <= DaysPerStatement) return plan;
        await MakeAsync([plan], p => Task.FromResult<DayPlan?>(p), (_, chunk) => make(chunk), (_, _) => { }, time, TimeSpan.MaxValue);
        return await planAgain();
    }

    /// <summary>This plan's chunk <paramref name="range"/> of the days to keep, as a plan of its own that makes them.</summary>
    public DayPlan Making(Range range) => new([], Store[range], Store[range], Events[range]);
}
