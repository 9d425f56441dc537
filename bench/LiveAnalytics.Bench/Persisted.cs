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
}
