namespace LiveAnalytics.Dashboard;

/// <summary>
/// The SQL of a funnel's steps, shared by the count of a filtered view and the funnel's day sketches (<see cref="FunnelDays"/>).
/// A visit belongs to the local day of its first step; its later steps count when they come later in the same visit, after
/// midnight too, so that a purchase at 00:05 completes the funnel begun at 23:55 the evening before.
/// </summary>
internal static class FunnelQuery
{
    /// <summary>
    /// The CTEs <c>m</c>, <c>s1</c>…<c>sN</c> and <c>reached (k, d, visitor_id)</c>: for each visit whose first step was taken
    /// on one of @days (local days in @tz), the steps it reached, each at a later event than the step before (so one pageview
    /// is never two steps). Events are read from [@from, @to), which the caller opens a day before the first of @days (so
    /// that a visit that began its first step the evening before is that day's) and closes a day after the last.
    /// </summary>
    /// <param name="visits">A condition on <c>e.session_id</c> for the visits a filter keeps (with "AND"), or "".</param>
    public static string Reached(int steps, string visits)
    {
        // The steps an event matches, from one scan of the period (OFFSET 0 keeps the planner from turning it into a scan
        // a step); one CTE a step, each joined to the one before: the text depends only on the number of steps.
        var sql = new System.Text.StringBuilder($$"""
            m AS MATERIALIZED (
                SELECT e.visitor_id, e.session_id, e.ts, s.i
                FROM events e
                CROSS JOIN LATERAL (
                    SELECT s.i FROM unnest(@kinds::text[], @patterns::text[]) WITH ORDINALITY s(kind, pattern, i)
                    WHERE (s.kind = 'event' AND e.name = s.pattern) OR (s.kind = 'page' AND e.pathname LIKE s.pattern)
                    OFFSET 0) s
                WHERE e.site_id = @siteId AND e.ts >= @from AND e.ts < @to {{visits}}
            ),
            s1 AS (
                SELECT visitor_id, session_id, t, (t AT TIME ZONE @tz)::date AS d
                FROM (SELECT visitor_id, session_id, min(ts) AS t FROM m WHERE i = 1 GROUP BY visitor_id, session_id) f
                WHERE (t AT TIME ZONE @tz)::date = ANY(@days::date[])
            )
            """);
        for (var k = 2; k <= steps; k++)
            sql.Append($"""
                ,
                s{k} AS (SELECT m.visitor_id, m.session_id, min(m.ts) AS t, p.d FROM m JOIN s{k - 1} p USING (visitor_id, session_id)
                        WHERE m.i = {k} AND m.ts > p.t GROUP BY m.visitor_id, m.session_id, p.d)
                """);
        sql.Append(",\nreached AS (")
            .AppendJoin(" UNION ALL ", Enumerable.Range(1, steps).Select(k => $"SELECT {k} AS k, d, visitor_id FROM s{k}"))
            .Append(')');
        return sql.ToString();
    }

    /// <summary>
    /// The funnel sketches' log2 of registers: 2^13, about 1.1 % standard error and 5 KB a full sketch. The rollups' default
    /// (2^11, 2.3 %) put a 30-day step of 76,094 visitors at 72,964 (−4.1 %); 2^13 at 75,233 (−1.1 %). Steps are compared
    /// with each other, so a funnel needs the closer figure; sketches of one precision only can be united.
    /// </summary>
    public const int Precision = 13;

    /// <summary>
    /// The planner cannot know how many rows the CTEs hold and guesses a handful: with nested loops, joining a step's visits
    /// to the next step's events took minutes for a week of a busy store (2 million events in 30 days); hash joins take a
    /// second. The memory is for the visits of the first step, hashed instead of sorted on disk. The nested loops left
    /// (each event against its steps) then cost the planner's penalty, which sets off JIT compilation: 470 ms of the 620 a
    /// busy store's last two days took.
    /// </summary>
    public const string Settings = "SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '32MB'; SET LOCAL jit = off";

    /// <summary>The instants to read events from for visits whose first step was on <paramref name="first"/> to <paramref name="last"/>.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Span(DateOnly first, DateOnly last, TimeZoneInfo zone) =>
        (Stats.StatsPeriod.StartOfDay(first.AddDays(-1), zone), Stats.StatsPeriod.StartOfDay(last.AddDays(2), zone));
}
