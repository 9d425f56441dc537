using System.Diagnostics;
using Dapper;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Bench;

/// <summary>Counts a site's persisted rows and waits until the stream's "persist" group has caught up.</summary>
public sealed class Persisted(NpgsqlDataSource db, IDatabase redis, string streamKey)
{
    /// <summary>The site's stored events and engagement reports.</summary>
    public async Task<long> RowsAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("""
            SELECT (SELECT count(*) FROM events WHERE site_id = @siteId) + (SELECT count(*) FROM engagements WHERE site_id = @siteId)
            """, new { siteId });
    }

    /// <returns>How long the backlog took to drain, measured from the call.</returns>
    public Task<TimeSpan> WaitDrainedAsync(TimeSpan limit) => PollAsync(limit, 50, "The backlog did not drain", async () =>
    {
        var group = (await redis.StreamGroupInfoAsync(streamKey)).FirstOrDefault(g => g.Name == "persist");
        return group.Name is not null && group.Lag == 0 && group.PendingMessageCount == 0;
    });

    /// <summary>
    /// Waits until the rollup job has taken every stored batch (a busy site's wait up to 10 s, then a run
    /// of a second or more): measured before raw COPY, so that the ceiling is not read while the app's
    /// own background work shares the cores.
    /// </summary>
    public async Task<TimeSpan> WaitRolledUpAsync(TimeSpan limit)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await PollAsync(limit, 200, "The rollup did not catch up",
            async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM rollup_batches") == 0);
    }

    /// <summary>
    /// What the stream takes of Redis's memory per event it holds: all of them, in a bench shorter than the live
    /// window (30 minutes), below which nothing is trimmed. Events counted as the append script counts them.
    /// </summary>
    public async Task<(long Bytes, long Events)> StreamMemoryAsync()
    {
        var bytes = (long)await redis.ExecuteAsync("MEMORY", "USAGE", streamKey, "SAMPLES", "0");
        var events = (long)await redis.HashGetAsync($"{streamKey}:counts", "events");
        return (bytes, events);
    }

    private static async Task<TimeSpan> PollAsync(TimeSpan limit, int everyMs, string failure, Func<Task<bool>> done)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (await done()) return clock.Elapsed;
            await Task.Delay(everyMs);
        }
        throw new TimeoutException($"{failure} within {limit}.");
    }
}
