using System.Diagnostics;
using Dapper;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Bench;

/// <summary>Counts a site's persisted rows and waits until the stream's "persist" group has caught up.</summary>
public sealed class Persisted(NpgsqlDataSource db, IDatabase redis, string streamKey)
{
    public async Task<long> RowsAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @siteId", new { siteId });
    }

    /// <returns>How long the backlog took to drain, measured from the call.</returns>
    public async Task<TimeSpan> WaitDrainedAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var group = (await redis.StreamGroupInfoAsync(streamKey)).FirstOrDefault(g => g.Name == "persist");
            if (group.Name is not null && group.Lag == 0 && group.PendingMessageCount == 0) return clock.Elapsed;
            await Task.Delay(50);
        }
        throw new TimeoutException($"The backlog did not drain within {limit}.");
    }

    /// <summary>
    /// Waits until the rollup job has taken every stored batch (a busy site's wait up to 10 s, then a run
    /// of a second or more): measured before raw COPY, so that the ceiling is not read while the app's
    /// own background work shares the cores.
    /// </summary>
    public async Task WaitRolledUpAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        await using var conn = await db.OpenConnectionAsync();
        while (clock.Elapsed < limit)
        {
            if (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM rollup_batches") == 0) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"The rollup did not catch up within {limit}.");
    }
}
