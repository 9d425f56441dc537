using Dapper;
using Hangfire;
using Npgsql;

namespace LiveAnalytics.Retention;

/// <summary>
/// Deletes raw events (and their visits) past each site's retention (<see cref="EventRetention"/>) and every event of deleted
/// sites (<c>deleted_sites</c>), hourly. A few thousand rows per statement, each its own transaction: a first
/// run over years of a busy store neither holds locks for long nor grows one transaction's WAL without bound,
/// and ingestion's COPYs go on between the statements. Autovacuum then reuses the space for new events.
/// </summary>
public sealed partial class RetentionJob(NpgsqlDataSource db, TimeProvider time, ILogger<RetentionJob> logger)
{
    // Later than any event: a deleted site's events all go.
    private static readonly DateTimeOffset Everything = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Rows a statement deletes (smaller in tests, to see several statements without storing tens of thousands).</summary>
    internal int RowsPerStatement { get; init; } = 5_000;

    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task<long> RunAsync(CancellationToken ct = default) => RunAsync(null, ct);

    /// <param name="siteId">One site only: tests run the job beside other test classes' sites.</param>
    internal async Task<long> RunAsync(long? siteId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        long total = 0;
        var sites = await conn.QueryAsync<(long Id, int Days)>(new CommandDefinition("""
            SELECT id, keep_events_days FROM sites WHERE keep_events_days IS NOT NULL AND (@siteId::bigint IS NULL OR id = @siteId) ORDER BY id
            """, new { siteId }, cancellationToken: ct));
        foreach (var (site, days) in sites)
        {
            var cutoff = EventRetention.Cutoff(now, days);
            var deleted = await DeleteBeforeAsync(conn, site, cutoff, ct);
            if (deleted > 0) LogDeleted(deleted, site, cutoff);
            total += deleted;
        }
        foreach (var site in await conn.QueryAsync<long>(new CommandDefinition(
            "SELECT site_id FROM deleted_sites WHERE @siteId::bigint IS NULL OR site_id = @siteId ORDER BY site_id", new { siteId }, cancellationToken: ct)))
        {
            var deleted = await DeleteBeforeAsync(conn, site, Everything, ct);
            // Events still in the stream when the site went are stored after it: the row stays a day to catch them.
            await conn.ExecuteAsync(new CommandDefinition("""
                DELETE FROM rejected_events WHERE site_id = @site;
                DELETE FROM engagement_hours WHERE site_id = @site;
                DELETE FROM deleted_sites WHERE site_id = @site AND deleted_at < now() - interval '1 day'
                    AND NOT EXISTS (SELECT 1 FROM events WHERE site_id = @site);
                """, new { site }, cancellationToken: ct));
            if (deleted > 0) LogDeletedSite(deleted, site);
            total += deleted;
        }
        return total;
    }

    /// <returns>The events deleted; the page views' engagement reports of the same time go too, and the visits that ended before.</returns>
    private async Task<long> DeleteBeforeAsync(NpgsqlConnection conn, long site, DateTimeOffset cutoff, CancellationToken ct)
    {
        var deleted = await DeleteBeforeAsync(conn, "events", site, cutoff, ct);
        await DeleteBeforeAsync(conn, "engagements", site, cutoff, ct);
        await DeleteVisitsBeforeAsync(conn, site, cutoff, ct);
        return deleted;
    }

    // A visit goes with its last event: one that reaches past the cutoff keeps what it counted.
    private async Task DeleteVisitsBeforeAsync(NpgsqlConnection conn, long site, DateTimeOffset cutoff, CancellationToken ct)
    {
        int last;
        do
        {
            last = await conn.ExecuteAsync(new CommandDefinition("""
                DELETE FROM visits WHERE site_id = @site AND session_id IN (
                    SELECT session_id FROM visits WHERE site_id = @site AND started < @cutoff AND last_ts < @cutoff ORDER BY started LIMIT @limit)
                """, new { site, cutoff = cutoff.UtcDateTime, limit = RowsPerStatement }, commandTimeout: 300, cancellationToken: ct));
        }
        while (last == RowsPerStatement && !ct.IsCancellationRequested);
    }

    /// <param name="table">events or engagements: both have an id and a (site_id, ts) index.</param>
    private async Task<long> DeleteBeforeAsync(NpgsqlConnection conn, string table, long site, DateTimeOffset cutoff, CancellationToken ct)
    {
        long deleted = 0;
        int last;
        do
        {
            // By (site_id, ts): the index every site's reads use, oldest first. The table is one of two names above.
            last = await conn.ExecuteAsync(new CommandDefinition($"""
                DELETE FROM {table} WHERE id IN (
                    SELECT id FROM {table} WHERE site_id = @site AND ts < @cutoff ORDER BY ts LIMIT @limit)
                """, new { site, cutoff = cutoff.UtcDateTime, limit = RowsPerStatement }, commandTimeout: 300, cancellationToken: ct));
            deleted += last;
        }
        while (last == RowsPerStatement && !ct.IsCancellationRequested);
        return deleted;
    }

    [LoggerMessage(LogLevel.Information, "Deleted {Count} raw events of site {SiteId} older than {Cutoff:O} (its retention)")]
    private partial void LogDeleted(long count, long siteId, DateTimeOffset cutoff);

    [LoggerMessage(LogLevel.Information, "Deleted {Count} raw events of deleted site {SiteId}")]
    private partial void LogDeletedSite(long count, long siteId);
}
