using Dapper;
using Hangfire;
using Npgsql;

namespace LiveAnalytics.Retention;

/// <summary>
/// Deletes raw events past each site's retention (<see cref="EventRetention"/>), hourly. A few thousand rows
/// per statement, each its own transaction: a first run over years of a busy store neither holds locks for
/// long nor grows one transaction's WAL without bound, and ingestion's COPYs go on between the statements.
/// Autovacuum then reuses the space for new events.
/// </summary>
public sealed partial class RetentionJob(NpgsqlDataSource db, TimeProvider time, ILogger<RetentionJob> logger)
{
    /// <summary>Rows a statement deletes (smaller in tests, to see several statements without storing tens of thousands).</summary>
    internal int RowsPerStatement { get; init; } = 5_000;

    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<long> RunAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var sites = await conn.QueryAsync<(long Id, int Days)>(new CommandDefinition(
            "SELECT id, keep_events_days FROM sites WHERE keep_events_days IS NOT NULL ORDER BY id", cancellationToken: ct));
        long total = 0;
        foreach (var (site, days) in sites)
        {
            var cutoff = EventRetention.Cutoff(now, days);
            long deleted = 0;
            int last;
            do
            {
                // By (site_id, ts): the index every site's reads use, oldest first.
                last = await conn.ExecuteAsync(new CommandDefinition("""
                    DELETE FROM events WHERE id IN (
                        SELECT id FROM events WHERE site_id = @site AND ts < @cutoff ORDER BY ts LIMIT @limit)
                    """, new { site, cutoff = cutoff.UtcDateTime, limit = RowsPerStatement }, commandTimeout: 300, cancellationToken: ct));
                deleted += last;
            }
            while (last == RowsPerStatement && !ct.IsCancellationRequested);
            if (deleted > 0) LogDeleted(deleted, site, cutoff);
            total += deleted;
        }
        return total;
    }

    [LoggerMessage(LogLevel.Information, "Deleted {Count} raw events of site {SiteId} older than {Cutoff:O} (its retention)")]
    private partial void LogDeleted(long count, long siteId, DateTimeOffset cutoff);
}
