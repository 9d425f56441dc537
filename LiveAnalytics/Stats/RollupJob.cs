using Dapper;
using Hangfire;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Rebuilds the hourly rollups (<c>rollup_hours</c>), and the daily ones (<c>rollup_days</c>) of the
/// local days they are in, for the hours marked stale when events were
/// stored. For each site it takes a slice of stale UTC hours, works out which of the site's local
/// hours they touch (including the hours where the visits they extend began: a late pageview can
/// turn a bounce into a visit), and recomputes those local hours whole from the raw events, in one
/// transaction with taking the marks: a failed run leaves them marked for the next.
/// </summary>
public sealed partial class RollupJob(NpgsqlDataSource db, ILogger<RollupJob> logger)
{
    /// <summary>Stale UTC hours taken per site and transaction.</summary>
    public const int HoursPerRun = 48;

    // Visit dimensions take the visit's first event's values (entry attribution); '' stands for none.
    private const string VisitDimensions = """
        ('source', coalesce(v.source, '')), ('referrer', coalesce(v.referrer, '')),
        ('utm_source', coalesce(v.utm_source, '')), ('utm_medium', coalesce(v.utm_medium, '')),
        ('utm_campaign', coalesce(v.utm_campaign, '')), ('country', coalesce(v.country, '')),
        ('device', coalesce(v.device, '')), ('browser', coalesce(v.browser, '')), ('os', coalesce(v.os, '')),
        ('entry_page', coalesce(v.entry_page, '')), ('exit_page', coalesce(v.exit_page, ''))
        """;

    // @site, @tz, @dirty (UTC hour starts). Visits are followed up to a day either side of the hours rebuilt.
    private const string Rebuild = $"""
        CREATE TEMP TABLE r_hours ON COMMIT DROP AS
        SELECT DISTINCT date_trunc('hour', t AT TIME ZONE @tz) AS lh FROM (
            SELECT h AS t FROM unnest(@dirty::timestamptz[]) h
            UNION ALL SELECT h + interval '1 hour' - interval '1 microsecond' FROM unnest(@dirty::timestamptz[]) h
            UNION ALL
            SELECT min(e2.ts) FROM events e2
            WHERE e2.site_id = @site AND e2.ts >= @lo - interval '1 day' AND e2.ts < @hi
              AND e2.session_id IN (SELECT e.session_id FROM events e JOIN unnest(@dirty::timestamptz[]) h
                                    ON e.ts >= h AND e.ts < h + interval '1 hour' WHERE e.site_id = @site)
            GROUP BY e2.session_id
        ) x;

        CREATE TEMP TABLE r_events ON COMMIT DROP AS
        SELECT e.*, date_trunc('hour', e.ts AT TIME ZONE @tz) AS lh
        FROM events e, (SELECT min(lh) AS first, max(lh) AS last FROM r_hours) span
        WHERE e.site_id = @site
          AND e.ts >= (span.first AT TIME ZONE @tz) - interval '2 hours' AND e.ts < (span.last AT TIME ZONE @tz) + interval '3 hours'
          AND date_trunc('hour', e.ts AT TIME ZONE @tz) IN (SELECT lh FROM r_hours);

        CREATE TEMP TABLE r_visits ON COMMIT DROP AS
        WITH span AS (SELECT min(ts) AS first, max(ts) AS last FROM r_events),
        visit_events AS (
            SELECT e.* FROM events e, span
            WHERE e.site_id = @site AND e.ts >= span.first - interval '1 day' AND e.ts <= span.last + interval '1 day'
              AND e.session_id IN (SELECT session_id FROM r_events)
        ), totals AS (
            SELECT session_id, min(ts) AS started, extract(epoch FROM max(ts) - min(ts)) AS seconds,
                   count(*) FILTER (WHERE name = 'pageview') AS pageviews
            FROM visit_events GROUP BY session_id
        ), firsts AS (
            SELECT DISTINCT ON (session_id) session_id, source, referrer, utm_source, utm_medium, utm_campaign, country, device, browser, os
            FROM visit_events ORDER BY session_id, ts, id
        ), entries AS (
            SELECT DISTINCT ON (session_id) session_id, pathname AS entry_page
            FROM visit_events WHERE name = 'pageview' ORDER BY session_id, ts, id
        ), exits AS (
            SELECT DISTINCT ON (session_id) session_id, pathname AS exit_page
            FROM visit_events WHERE name = 'pageview' ORDER BY session_id, ts DESC, id DESC
        )
        SELECT * FROM totals JOIN firsts USING (session_id) LEFT JOIN entries USING (session_id) LEFT JOIN exits USING (session_id);

        DELETE FROM rollup_hours WHERE site_id = @site AND hour IN (SELECT lh FROM r_hours);

        INSERT INTO rollup_hours (site_id, hour, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, coalesce(a.lh, b.lh), coalesce(a.dim, b.dim), coalesce(a.val, b.val),
               coalesce(a.visitors, hll_empty()), coalesce(a.pageviews, 0), coalesce(a.events, 0), coalesce(a.revenue, 0),
               coalesce(b.visits, 0), coalesce(b.bounces, 0), coalesce(b.seconds, 0)
        FROM (
            SELECT ev.lh, d.dim, d.val, hll_add_agg(hll_hash_bigint(ev.visitor_id)) AS visitors,
                   count(*) FILTER (WHERE ev.name = 'pageview') AS pageviews, count(*) AS events,
                   coalesce(sum(ev.revenue_amount), 0) AS revenue
            FROM r_events ev JOIN r_visits v USING (session_id)
            CROSS JOIN LATERAL (VALUES ('', ''), ('page', ev.pathname), ('event', ev.name), {VisitDimensions}) d(dim, val)
            GROUP BY 1, 2, 3
        ) a FULL JOIN (
            SELECT date_trunc('hour', v.started AT TIME ZONE @tz) AS lh, d.dim, d.val,
                   count(*) AS visits, count(*) FILTER (WHERE v.pageviews = 1) AS bounces, sum(v.seconds) AS seconds
            FROM r_visits v CROSS JOIN LATERAL (VALUES ('', ''), {VisitDimensions}) d(dim, val)
            WHERE date_trunc('hour', v.started AT TIME ZONE @tz) IN (SELECT lh FROM r_hours)
            GROUP BY 1, 2, 3
        ) b ON a.lh = b.lh AND a.dim = b.dim AND a.val = b.val;

        DELETE FROM rollup_days WHERE site_id = @site AND day IN (SELECT DISTINCT lh::date FROM r_hours);

        INSERT INTO rollup_days (site_id, day, dimension, value, visitors, pageviews, events, revenue, visits, bounces, visit_seconds)
        SELECT @site, hour::date, dimension, value, hll_union_agg(visitors), sum(pageviews), sum(events), sum(revenue),
               sum(visits), sum(bounces), sum(visit_seconds)
        FROM rollup_hours, (SELECT min(lh)::date AS first, max(lh)::date AS last FROM r_hours) span
        WHERE site_id = @site AND hour >= span.first AND hour < span.last + 1 AND hour::date IN (SELECT DISTINCT lh::date FROM r_hours)
        GROUP BY 2, 3, 4;
        """;

    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var rebuilt = 0;
        while (!ct.IsCancellationRequested && await RunOnceAsync(ct) is { } taken) rebuilt += taken;
        return rebuilt;
    }

    /// <returns>How many stale hours were rebuilt (0: only marks of deleted sites were cleared), or null: none left.</returns>
    private async Task<int?> RunOnceAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One site per transaction, its earliest stale hours first; another node's run skips what this one holds.
        var dirty = (await conn.QueryAsync<(long SiteId, DateTime Hour, string Timezone)>(new CommandDefinition("""
            WITH site AS (SELECT site_id FROM rollup_dirty_hours ORDER BY site_id LIMIT 1 FOR UPDATE SKIP LOCKED)
            SELECT d.site_id, d.hour, s.timezone FROM rollup_dirty_hours d JOIN sites s ON s.id = d.site_id
            WHERE d.site_id = (SELECT site_id FROM site)
            ORDER BY d.hour LIMIT @limit FOR UPDATE OF d SKIP LOCKED
            """, new { limit = HoursPerRun }, tx, cancellationToken: ct))).AsList();
        if (dirty.Count == 0)
        {
            // Marks of deleted sites have nobody to roll up for; once they are gone, other sites' marks come next.
            var cleared = await conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM rollup_dirty_hours d WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = d.site_id)", transaction: tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return cleared > 0 ? 0 : null;
        }
        var site = dirty[0].SiteId;
        var hours = dirty.Select(d => DateTime.SpecifyKind(d.Hour, DateTimeKind.Utc)).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(Rebuild,
            new { site, tz = dirty[0].Timezone, dirty = hours, lo = hours.Min(), hi = hours.Max().AddHours(1) }, tx, commandTimeout: 600, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM rollup_dirty_hours WHERE site_id = @site AND hour = ANY(@hours)", new { site, hours }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        LogRolledUp(site, hours.Length);
        return hours.Length;
    }

    [LoggerMessage(LogLevel.Debug, "Rolled up {Hours} stale hours of site {SiteId}")]
    private partial void LogRolledUp(long siteId, int hours);
}
