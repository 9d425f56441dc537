using Dapper;
using Hangfire;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>How far a site's rebuild of its rollups is.</summary>
/// <param name="HoursTotal">Null while the job is still finding the hours to rebuild.</param>
/// <param name="Stalled">The hours were not found within <see cref="RollupBackfill.MarkingTimeout"/>: the job failed
/// (its retries spent) or was lost. It may be requested again.</param>
public sealed record BackfillProgress(DateTimeOffset RequestedAt, int? HoursTotal, int HoursLeft, DateTimeOffset? FinishedAt, bool Stalled = false)
{
    public bool Running => FinishedAt is null && !Stalled;
    public double Percent => HoursTotal is > 0 and var total ? 100.0 * (total - HoursLeft) / total : 0;
}

/// <summary>
/// Rebuilds all of a site's rollups from its raw events, as a job: it marks every UTC hour that holds
/// events, and the rollup job rebuilds them a slice at a time between its incremental steps, so live
/// numbers stay fresh meanwhile. Progress is the marks left against the marks made.
/// </summary>
public sealed class RollupBackfill(NpgsqlDataSource db, IBackgroundJobClient jobs, TimeProvider time, SiteTeam team)
{
    /// <summary>
    /// Finding the hours is one statement (given up to an hour) and a few retries. A request whose hours are
    /// not found after this long failed, or its job was lost: without a limit it would show as running, and
    /// refuse new requests, for ever. Marking again is harmless, so a late first job does no damage.
    /// </summary>
    public static readonly TimeSpan MarkingTimeout = TimeSpan.FromHours(2);

    /// <returns>False when a rebuild of the site is already under way, or the user is not one of its owners or admins.</returns>
    public async Task<bool> RequestAsync(long siteId, Guid userId)
    {
        if (!await team.MayChangeSettingsAsync(siteId, userId)) return false;
        await using var conn = await db.OpenConnectionAsync();
        var now = time.GetUtcNow();
        var requested = await conn.ExecuteAsync("""
            INSERT INTO rollup_backfills (site_id, requested_at) VALUES (@siteId, @now)
            ON CONFLICT (site_id) DO UPDATE SET requested_at = excluded.requested_at, hours_total = null, finished_at = null
            WHERE rollup_backfills.finished_at IS NOT NULL
               OR (rollup_backfills.hours_total IS NULL AND rollup_backfills.requested_at < @stalledBefore)
            """, new { siteId, now = now.UtcDateTime, stalledBefore = (now - MarkingTimeout).UtcDateTime });
        if (requested == 0) return false;
        EnqueueMarking(siteId);
        return true;
    }

    /// <summary>
    /// Starts a rebuild within the caller's transaction whether or not one is under way (its marks stay and are rebuilt
    /// too): for a change that invalidates every rollup of the site. The caller enqueues the marking after committing.
    /// </summary>
    internal Task RestartAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long siteId) => conn.ExecuteAsync("""
        INSERT INTO rollup_backfills (site_id, requested_at) VALUES (@siteId, @now)
        ON CONFLICT (site_id) DO UPDATE SET requested_at = excluded.requested_at, hours_total = null, finished_at = null
        """, new { siteId, now = time.GetUtcNow().UtcDateTime }, tx);

    internal void EnqueueMarking(long siteId) => jobs.Enqueue<RollupBackfill>(b => b.MarkAsync(siteId, CancellationToken.None));

    /// <summary>The job: marks every hour of the site's events as stale, in one statement.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task MarkAsync(long siteId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO rollup_dirty_hours (site_id, hour)
            SELECT DISTINCT @siteId, date_trunc('hour', ts, 'UTC') FROM events WHERE site_id = @siteId
            ON CONFLICT DO NOTHING
            """, new { siteId }, tx, commandTimeout: 3600, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE rollup_backfills SET hours_total = (SELECT count(*) FROM rollup_dirty_hours WHERE site_id = @siteId)
            WHERE site_id = @siteId
            """, new { siteId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    public async Task<BackfillProgress?> ProgressAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var row = await conn.QuerySingleOrDefaultAsync<(DateTime RequestedAt, int? HoursTotal, long HoursLeft, DateTime? FinishedAt)?>("""
            SELECT requested_at, hours_total, (SELECT count(*) FROM rollup_dirty_hours d WHERE d.site_id = b.site_id), finished_at
            FROM rollup_backfills b WHERE site_id = @siteId
            """, new { siteId });
        return row is { } r
            ? new BackfillProgress(Utc(r.RequestedAt), r.HoursTotal, r.HoursTotal is null ? 0 : (int)Math.Min(r.HoursLeft, r.HoursTotal.Value),
                r.FinishedAt is { } f ? Utc(f) : null,
                Stalled: r.HoursTotal is null && r.FinishedAt is null && Utc(r.RequestedAt) < time.GetUtcNow() - MarkingTimeout)
            : null;
    }

    /// <summary>Called by the rollup job after its runs: rebuilds with no marks left are finished.</summary>
    internal static Task FinishAsync(NpgsqlConnection conn, DateTimeOffset now, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("""
            UPDATE rollup_backfills b SET finished_at = @now
            WHERE finished_at IS NULL AND hours_total IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM rollup_dirty_hours d WHERE d.site_id = b.site_id)
            """, new { now = now.UtcDateTime }, cancellationToken: ct));

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
