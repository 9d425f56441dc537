using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Stores the entries this node appended (<see cref="OwnEntries"/>) from memory: a COPY of about a flush
/// batch, then XACK, whenever a batch is held or every <see cref="PersistenceOptions.FlushEverySeconds"/>.
/// Runs on every node that ingests, so each writes its own; the flush job takes whatever is left in Redis
/// (another node's, a dead node's, entries that did not fit here). While PostgreSQL is away the entries stay
/// here and pending in Redis, and are written once it is back.
/// </summary>
public sealed partial class OwnEntriesWriter(
    OwnEntries entries, EventWriter writer, IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions,
    IOptions<PersistenceOptions> options, TimeProvider time, ILogger<OwnEntriesWriter> logger) : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // A node that does not persist its own (Persistence:PersistOwnEvents off) is never handed any.
        if (entries.Consumer is null) return;
        var every = TimeSpan.FromSeconds(options.Value.FlushEverySeconds);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Woken by a full batch: only full batches go, the rest joins the next one. Writing whatever
                // was held at once made each COPY as small as the previous one was quick (about 100 events
                // under load), and PostgreSQL paid a commit per hundred.
                var full = await entries.WaitForBatchAsync(every, time, ct);
                if (!await WriteAsync(wholeBatchesOnly: full, ct)) await Task.Delay(RetryAfterFailure, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        // Stopping: what can still be stored quickly is; the rest stays pending in Redis for another node.
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await WriteAllAsync(last.Token);
    }

    /// <summary>Writes every held entry, batch by batch. False if a write failed (they stay held).</summary>
    internal Task<bool> WriteAllAsync(CancellationToken ct) => WriteAsync(wholeBatchesOnly: false, ct);

    /// <param name="wholeBatchesOnly">Leaves a last batch short of <see cref="PersistenceOptions.FlushBatchSize"/> held, for the next.</param>
    internal async Task<bool> WriteAsync(bool wholeBatchesOnly, CancellationToken ct)
    {
        var size = options.Value.FlushBatchSize;
        while (!ct.IsCancellationRequested && entries.Peek(size) is { Count: > 0 } batch)
        {
            if (wholeBatchesOnly && batch.Sum(e => e.Events.Length) < size) break;
            try
            {
                await writer.WriteAsync(batch.SelectMany(e => e.Events).Where(e => !e.IsLeave).ToArray(), mayBeRedelivered: false, ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
            {
                LogWriteFailed(ex, batch.Count);
                return false;
            }
            try
            {
                await redis.GetDatabase().StreamAcknowledgeAsync(redisOptions.Value.StreamKey, FlushEventsJob.Group,
                    batch.Select(e => (RedisValue)e.Id.ToString()).ToArray());
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Stored, not acknowledged: the flush job reads them again and stores nothing twice.
                LogAcknowledgeFailed(ex, batch.Count);
            }
            entries.Remove(batch);
        }
        return true;
    }

    [LoggerMessage(LogLevel.Warning, "Storing {Count} of this node's stream entries failed; they are kept and retried")]
    private partial void LogWriteFailed(Exception ex, int count);

    [LoggerMessage(LogLevel.Warning, "{Count} stored stream entries could not be acknowledged; the flush job will take them again")]
    private partial void LogAcknowledgeFailed(Exception ex, int count);
}
