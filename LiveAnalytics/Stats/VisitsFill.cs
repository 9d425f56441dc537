using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Fills the table of visits (<c>visits</c>, kept by <see cref="IncrementalRollup"/>) with the visits of a site's events
/// stored before it kept them: a day of visit starts at a time, going back from the site's <c>visits_from</c>, which
/// then moves back to that day's start (to -infinity once no older event is left). Filtered views of a period read the
/// table only once it is complete for it (<see cref="KeptVisits"/>).
/// </summary>
internal static class VisitsFill
{
    /// <summary>How much history one step fills: a busy store's day is a few hundred thousand events, a second or two.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromDays(1);

    // @site, @lo, @hi: the visits that began in [@lo, @hi), from their events up to a day either side (the rebuild's reach).
    // Events of batches the incremental rollup has not taken yet are left out: it adds them to their visits when it does,
    // as to any visit it knows. A visit already in the table is the rollup's and stays as it is.
    private static readonly string Fill = $"""
        CREATE TEMP TABLE f_events ON COMMIT DROP AS
        SELECT e.* FROM events e
        WHERE e.site_id = @site AND e.ts >= @lo - interval '1 day' AND e.ts < @hi + interval '1 day' AND e.session_id <> 0
          AND (e.batch IS NULL OR e.batch NOT IN (SELECT batch FROM rollup_batches WHERE site_id = @site));
        -- Without statistics the planner takes the visits begun in the slice for one row and joins them with nested
        -- loops: minutes for a day of 66,000 events, 0.4 s with them.
        ANALYZE f_events;

        WITH totals AS (
            SELECT session_id, min(visitor_id) AS visitor_id, min(ts) AS started, max(ts) AS last_ts,
                   count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events, coalesce(sum(revenue_amount), 0) AS revenue
            FROM f_events GROUP BY session_id HAVING min(ts) >= @lo AND min(ts) < @hi
        ), firsts AS (
            SELECT DISTINCT ON (session_id) * FROM f_events WHERE session_id IN (SELECT session_id FROM totals) ORDER BY session_id, ts, id
        ), entries AS (
            SELECT DISTINCT ON (session_id) * FROM f_events WHERE session_id IN (SELECT session_id FROM totals) AND name = 'pageview'
            ORDER BY session_id, ts, id
        ), exits AS (
            SELECT DISTINCT ON (session_id) * FROM f_events WHERE session_id IN (SELECT session_id FROM totals) AND name = 'pageview'
            ORDER BY session_id, ts DESC, id DESC
        )
        INSERT INTO visits (site_id, {RollupShapes.KeptColumns}, seen_at)
        SELECT @site, {RollupShapes.KeptColumns}, now() FROM (
            SELECT t.*, f.id AS first_id, f.source, f.referrer, f.utm_source, f.utm_medium, f.utm_campaign, f.channel, f.country, f.region, f.city, f.device, f.browser, f.os,
                   en.pathname AS entry_page, en.ts AS entry_ts, en.id AS entry_id, ex.pathname AS exit_page, ex.ts AS exit_ts, ex.id AS exit_id
            FROM totals t
            JOIN firsts f USING (session_id)
            LEFT JOIN entries en USING (session_id)
            LEFT JOIN exits ex USING (session_id)
        ) v
        ON CONFLICT (site_id, session_id) DO NOTHING;
        """;

    /// <returns>Whether a step was taken (false: every site's visits are complete).</returns>
    /// <param name="siteId">Only this site (tests); otherwise the site with the lowest id that is not complete.</param>
    public static async Task<bool> RunOnceAsync(NpgsqlDataSource db, CancellationToken ct, long? siteId = null)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var site = await conn.QueryFirstOrDefaultAsync<long?>(new CommandDefinition("""
            SELECT id FROM sites WHERE visits_from > '-infinity' AND (@siteId::bigint IS NULL OR id = @siteId) ORDER BY id LIMIT 1
            """, new { siteId }, cancellationToken: ct));
        if (site is not { } id) return false;
        // Under the site's lock, taken before the snapshot (as the rebuild does): the batches left out are exactly those
        // the rollup has not taken, and it takes none until this commits.
        await RollupJob.LockSiteForSessionAsync(conn, id, ct);
        try
        {
            await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            var step = await conn.QuerySingleOrDefaultAsync<(DateTime Hi, DateTime? Last)?>(new CommandDefinition("""
                SELECT s.visits_from, (SELECT max(ts) FROM events WHERE site_id = s.id AND ts < s.visits_from)
                FROM sites s WHERE s.id = @id AND s.visits_from > '-infinity' FOR UPDATE
                """, new { id }, tx, cancellationToken: ct));
            if (step is not { } s) return true;   // another node finished it
            if (s.Last is not { } last)
            {
                await conn.ExecuteAsync(new CommandDefinition("UPDATE sites SET visits_from = '-infinity' WHERE id = @id", new { id }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                return true;
            }
            // A slice that ends just after the latest older event (PostgreSQL's times are of microseconds): a stretch
            // without events costs no step.
            var after = DateTime.SpecifyKind(last, DateTimeKind.Utc).AddMicroseconds(1);
            var hi = after < s.Hi ? after : DateTime.SpecifyKind(s.Hi, DateTimeKind.Utc);
            var lo = hi - Slice;
            await conn.ExecuteAsync(new CommandDefinition(Fill, new { site = id, lo, hi }, tx, commandTimeout: 600, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition("UPDATE sites SET visits_from = @lo WHERE id = @id", new { id, lo }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            await RollupJob.UnlockSiteForSessionAsync(conn, id);
        }
    }
}
