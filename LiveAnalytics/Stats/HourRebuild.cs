using Dapper;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Recomputes whole local hours, and their days, from the raw events: for hours marked stale in
/// <c>rollup_dirty_hours</c> (a backfill of history, or a visit whose attribution changed). It works out
/// which of the site's local hours the marked UTC hours touch (including the hours where the visits
/// they extend began) and replaces their rows. Events of batches the incremental rollup has not taken
/// yet are left out: it adds them when it does, so nothing counts twice.
/// </summary>
internal static class HourRebuild
{
    /// <summary>Stale UTC hours taken per site and transaction.</summary>
    public const int HoursPerRun = 48;

    // Events the incremental rollup has already taken or never will (stored before batches were numbered).
    private const string Taken = "(e.batch IS NULL OR e.batch NOT IN (SELECT batch FROM r_pending))";

    // @site, @tz, @dirty (UTC hour starts). Visits are followed up to a day either side of the hours rebuilt.
    private static readonly string Rebuild = $"""
        CREATE TEMP TABLE r_pending ON COMMIT DROP AS SELECT batch FROM rollup_batches WHERE site_id = @site;

        CREATE TEMP TABLE r_hours ON COMMIT DROP AS
        SELECT DISTINCT date_trunc('hour', t AT TIME ZONE @tz) AS lh FROM (
            SELECT h AS t FROM unnest(@dirty::timestamptz[]) h
            UNION ALL SELECT h + interval '1 hour' - interval '1 microsecond' FROM unnest(@dirty::timestamptz[]) h
            UNION ALL
            SELECT min(e.ts) FROM events e
            WHERE e.site_id = @site AND e.ts >= @lo - interval '1 day' AND e.ts < @hi AND {Taken}
              AND e.session_id IN (SELECT e.session_id FROM events e JOIN unnest(@dirty::timestamptz[]) h
                                   ON e.ts >= h AND e.ts < h + interval '1 hour' WHERE e.site_id = @site AND {Taken})
            GROUP BY e.session_id
        ) x;

        CREATE TEMP TABLE r_events ON COMMIT DROP AS
        SELECT e.*, date_trunc('hour', e.ts AT TIME ZONE @tz) AS lh
        FROM events e, (SELECT min(lh) AS first, max(lh) AS last FROM r_hours) span
        WHERE e.site_id = @site AND {Taken}
          AND e.ts >= (span.first AT TIME ZONE @tz) - interval '2 hours' AND e.ts < (span.last AT TIME ZONE @tz) + interval '3 hours'
          AND date_trunc('hour', e.ts AT TIME ZONE @tz) IN (SELECT lh FROM r_hours);

        CREATE TEMP TABLE r_visits ON COMMIT DROP AS
        WITH span AS (SELECT min(ts) AS first, max(ts) AS last FROM r_events),
        visit_events AS (
            SELECT e.* FROM events e, span
            WHERE e.site_id = @site AND e.ts >= span.first - interval '1 day' AND e.ts <= span.last + interval '1 day' AND {Taken}
              AND e.session_id IN (SELECT session_id FROM r_events)
        ), totals AS (
            SELECT session_id, min(visitor_id) AS visitor_id, min(ts) AS started, max(ts) AS last_ts, extract(epoch FROM max(ts) - min(ts)) AS seconds,
                   count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events, coalesce(sum(revenue_amount), 0) AS revenue
            FROM visit_events GROUP BY session_id
        ), firsts AS (
            SELECT DISTINCT ON (session_id) session_id, id AS first_id, source, referrer, utm_source, utm_medium, utm_campaign, channel, country, region, city, device, browser, os
            FROM visit_events ORDER BY session_id, ts, id
        ), entries AS (
            SELECT DISTINCT ON (session_id) session_id, pathname AS entry_page, ts AS entry_ts, id AS entry_id
            FROM visit_events WHERE name = 'pageview' ORDER BY session_id, ts, id
        ), exits AS (
            SELECT DISTINCT ON (session_id) session_id, pathname AS exit_page, ts AS exit_ts, id AS exit_id
            FROM visit_events WHERE name = 'pageview' ORDER BY session_id, ts DESC, id DESC
        )
        SELECT * FROM totals JOIN firsts USING (session_id) LEFT JOIN entries USING (session_id) LEFT JOIN exits USING (session_id);

        -- The table of visits as the events say (a backfill repairs it too). Session 0 holds the events stored before
        -- visits were settled: no visit.
        {RollupShapes.KeepVisits("r_visits", "now()", "session_id <> 0")}

        DELETE FROM rollup_hours WHERE site_id = @site AND hour IN (SELECT lh FROM r_hours);

        INSERT INTO rollup_hours (site_id, hour, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, coalesce(a.lh, b.lh), coalesce(a.dim, b.dim), coalesce(a.val, b.val),
               coalesce(a.visitors, hll_empty()), coalesce(a.pageviews, 0) + coalesce(b.x_pageviews, 0),
               coalesce(a.events, 0) + coalesce(b.x_events, 0), coalesce(a.revenue, 0) + coalesce(b.x_revenue, 0),
               coalesce(b.visits, 0), coalesce(b.bounces, 0), coalesce(b.seconds, 0)
        FROM ({RollupShapes.EventRows("r_events", "r_visits")}) a
        FULL JOIN ({RollupShapes.VisitRows("""
            SELECT date_trunc('hour', v.started AT TIME ZONE @tz) AS lh, 1 AS sign, v.* FROM r_visits v
            WHERE date_trunc('hour', v.started AT TIME ZONE @tz) IN (SELECT lh FROM r_hours)
            """)}) b ON a.lh = b.lh AND a.dim = b.dim AND a.val = b.val;

        DELETE FROM rollup_days WHERE site_id = @site AND day IN (SELECT DISTINCT lh::date FROM r_hours);

        INSERT INTO rollup_days (site_id, day, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, hour::date, dimension, value, hll_union_agg(visitors), sum(pageviews), sum(events), sum(revenue),
               sum(visits), sum(bounces), sum(visit_seconds)
        FROM rollup_hours, (SELECT min(lh)::date AS first, max(lh)::date AS last FROM r_hours) span
        WHERE site_id = @site AND hour >= span.first AND hour < span.last + 1 AND hour::date IN (SELECT DISTINCT lh::date FROM r_hours)
        GROUP BY 2, 3, 4;
        """;

    /// <returns>How many stale hours were rebuilt (0: only marks of deleted sites were cleared), or null: none left.</returns>
    /// <param name="siteId">Only this site's marks (tests); otherwise the site with the lowest id that has any.</param>
    public static async Task<int?> RunOnceAsync(NpgsqlDataSource db, CancellationToken ct, long? siteId = null)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var next = await conn.QueryFirstOrDefaultAsync<(long SiteId, string? Timezone)?>(new CommandDefinition("""
            SELECT d.site_id, s.timezone FROM rollup_dirty_hours d LEFT JOIN sites s ON s.id = d.site_id
            WHERE @siteId::bigint IS NULL OR d.site_id = @siteId ORDER BY d.site_id LIMIT 1
            """, new { siteId }, cancellationToken: ct));
        if (next is not { } site) return null;
        if (site.Timezone is null)
        {
            // Marks of a deleted site have nobody to roll up for; once they are gone, other sites' marks come next.
            await conn.ExecuteAsync(new CommandDefinition("DELETE FROM rollup_dirty_hours WHERE site_id = @SiteId", new { site.SiteId }, cancellationToken: ct));
            return 0;
        }
        // The lock before the snapshot: every incremental step of this site that committed is then in it,
        // and none runs until this commits. One snapshot for all statements, so the batches left out are
        // exactly the ones whose events are left out.
        await RollupJob.LockSiteForSessionAsync(conn, site.SiteId, ct);
        try
        {
            await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            // Hours near or past the site's retention keep the rollups they have: their raw events are gone, or soon
            // will be (the retention job runs hourly, a backfill may take longer), and a rebuild reaches up to a
            // day back for the visits it extends. Rebuilt from what is left, they would lose what they counted.
            await conn.ExecuteAsync(new CommandDefinition("""
                DELETE FROM rollup_dirty_hours d USING sites s
                WHERE d.site_id = @SiteId AND s.id = d.site_id AND s.keep_events_days IS NOT NULL
                  AND d.hour < date_trunc('hour', now() - make_interval(days => s.keep_events_days)) + interval '25 hours'
                """, new { site.SiteId }, tx, cancellationToken: ct));
            var hours = (await conn.QueryAsync<DateTime>(new CommandDefinition("""
                SELECT hour FROM rollup_dirty_hours WHERE site_id = @SiteId ORDER BY hour LIMIT @limit FOR UPDATE SKIP LOCKED
                """, new { site.SiteId, limit = HoursPerRun }, tx, cancellationToken: ct)))
                .Select(h => DateTime.SpecifyKind(h, DateTimeKind.Utc)).ToArray();
            if (hours.Length == 0) return 0;
            await conn.ExecuteAsync(new CommandDefinition(Rebuild,
                new { site = site.SiteId, tz = site.Timezone, dirty = hours, lo = hours.Min(), hi = hours.Max().AddHours(1) }, tx, commandTimeout: 600, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM rollup_dirty_hours WHERE site_id = @site AND hour = ANY(@hours)", new { site = site.SiteId, hours }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return hours.Length;
        }
        finally
        {
            await RollupJob.UnlockSiteForSessionAsync(conn, site.SiteId);
        }
    }
}
