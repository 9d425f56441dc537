using Dapper;
using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Keeps the hourly and daily rollups (<c>rollup_hours</c>, <c>rollup_days</c>) up to date: first adds
/// the batches stored since the last run (<see cref="IncrementalRollup"/>; a busy site's once they have
/// gathered for <see cref="PersistenceOptions.RollupBusyWaitSeconds"/>), then rebuilds the hours
/// marked stale (<see cref="HourRebuild"/>) a slice at a time in between, then forgets the visits that
/// can no longer grow and notes finished backfills (<see cref="RollupBackfill"/>). Both steps
/// of one site run under a lock of that site, so another node's run never interleaves with them.
/// </summary>
public sealed partial class RollupJob(NpgsqlDataSource db, TimeProvider time, IOptions<PersistenceOptions> options, ILogger<RollupJob> logger)
{
    /// <summary>
    /// How long a visit is followed after its last event was rolled up. Sessions end after 30 minutes
    /// without an event, so this only matters when storing stopped for longer (PostgreSQL away): a visit
    /// whose next event is rolled up more than this later counts again as a new visit, until a rebuild.
    /// At 1,000 events/s the table holds about a million visits an hour, so longer costs real space.
    /// </summary>
    public static readonly TimeSpan FollowVisitsFor = TimeSpan.FromHours(3);

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
            if (await HourRebuild.RunOnceAsync(db, ct) is not { } hours) break;
            done += hours;
            LogRebuilt(hours);
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM rollup_visits WHERE seen_at < @before",
            new { before = (time.GetUtcNow() - FollowVisitsFor).UtcDateTime }, cancellationToken: ct));
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
}
