using Dapper;
using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Keeps the hourly and daily rollups (<c>rollup_hours</c>, <c>rollup_days</c>) and the table of visits up to date:
/// first adds the batches stored since the last run (<see cref="IncrementalRollup"/>; a busy site's once they have
/// gathered for <see cref="PersistenceOptions.RollupBusyWaitSeconds"/>), then rebuilds the hours marked stale
/// (<see cref="HourRebuild"/>) and fills the visits of older history (<see cref="VisitsFill"/>) a slice at a time in
/// between, then notes finished backfills (<see cref="RollupBackfill"/>). The steps of one site run under a lock of
/// that site, so another node's run never interleaves with them.
/// </summary>
public sealed partial class RollupJob(NpgsqlDataSource db, TimeProvider time, IOptions<PersistenceOptions> options, ILogger<RollupJob> logger)
{
    // The first key of the two-key advisory locks: "ROLL".
    private const int LockClass = 0x524F4C4C;

    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var done = 0;
        var pace = new RollupPace(options.Value.RollupBusyEvents, options.Value.RollupBusyWaitSeconds);
        while (!ct.IsCancellationRequested)
        {
            // What was just stored comes first; a long rebuild (a backfill) goes a slice at a time between.
            while (!ct.IsCancellationRequested && await IncrementalRollup.RunOnceAsync(db, time.GetUtcNow(), pace, ct) is { } batches)
            {
                done += batches;
                LogAdded(batches);
            }
            if (await HourRebuild.RunOnceAsync(db, ct) is { } hours)
            {
                done += hours;
                LogRebuilt(hours);
            }
            else if (await VisitsFill.RunOnceAsync(db, ct)) LogFilled();
            else break;
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        await RollupBackfill.FinishAsync(conn, time.GetUtcNow(), ct);
        return done;
    }

    internal static Task LockSiteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long siteId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockClass, @key)", new { LockClass, key = Key(siteId) }, tx, cancellationToken: ct));

    internal static Task LockSiteForSessionAsync(NpgsqlConnection conn, long siteId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockClass, @key)", new { LockClass, key = Key(siteId) }, cancellationToken: ct));

    internal static Task UnlockSiteForSessionAsync(NpgsqlConnection conn, long siteId) =>
        conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockClass, @key)", new { LockClass, key = Key(siteId) });

    private static int Key(long siteId) => (int)(siteId % int.MaxValue);

    [LoggerMessage(LogLevel.Debug, "Added {Batches} stored batches to the rollups")]
    private partial void LogAdded(int batches);

    [LoggerMessage(LogLevel.Debug, "Rebuilt {Hours} stale hours")]
    private partial void LogRebuilt(int hours);

    [LoggerMessage(LogLevel.Debug, "Filled a day of older visits")]
    private partial void LogFilled();
}
