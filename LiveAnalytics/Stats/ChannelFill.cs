using System.Diagnostics;
using Dapper;
using Hangfire;
using LiveAnalytics.Ingestion.Enrichment;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>
/// Gives the visit starts a site stored before channels were worked out (<c>channel_fills</c>, migration 043) their
/// channel, from their stored referrer, medium and UTM columns (<see cref="Channels.OfStored"/>), a batch at a time in
/// time order; when a site's are done, rebuilds its rollups and table of visits as a rebuild asked for on its settings
/// page does (<see cref="RollupBackfill"/>: in slices between the rollup job's incremental steps, its progress shown
/// there), so the history's Channel tab covers every day whose raw events are kept.
/// </summary>
public sealed partial class ChannelFill(NpgsqlDataSource db, Enricher enricher, RollupBackfill backfill, ILogger<ChannelFill> logger)
{
    public const int BatchSize = 5_000;
    // A run gives way to the next one's schedule: a big history takes several runs.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);

    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var filled = 0;
        var clock = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested && clock.Elapsed < Budget && await RunOnceAsync(BatchSize, ct) is { } events) filled += events;
        return filled;
    }

    /// <summary>One batch of one site's fill, in one transaction with its progress.</summary>
    /// <returns>The events given a channel, or null when no fill is left.</returns>
    internal async Task<int?> RunOnceAsync(int batchSize, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var fill = await conn.QuerySingleOrDefaultAsync<(long SiteId, DateTimeOffset Until, DateTimeOffset AfterTs, Guid AfterId)?>(new CommandDefinition("""
            SELECT site_id, until, after_ts, after_id FROM channel_fills ORDER BY site_id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction: tx, cancellationToken: ct));
        if (fill is not { } f) return null;
        var rows = (await conn.QueryAsync<(Guid Id, DateTimeOffset Ts, string Hostname, string? Medium, string? Channel, string? Source, string? Referrer,
            string? UtmSource, string? UtmMedium, string? UtmCampaign)>(new CommandDefinition("""
            SELECT id, ts, hostname, medium, channel, source, referrer, utm_source, utm_medium, utm_campaign FROM events
            WHERE site_id = @SiteId AND ts >= @AfterTs AND (ts, id) > (@AfterTs, @AfterId) AND ts < @Until
            ORDER BY ts, id LIMIT @batchSize
            """, new { f.SiteId, f.AfterTs, f.AfterId, f.Until, batchSize }, tx, cancellationToken: ct))).ToList();
        var changed = rows.Where(r => r.Channel is null)
            .Select(r => (r.Id, Channel: Channels.OfStored(r.Medium, r.Source, r.Referrer, r.Hostname, r.UtmMedium, r.UtmSource, r.UtmCampaign, enricher.Referrers)))
            .Where(r => r.Channel is not null).ToList();
        if (changed.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE events e SET channel = c.channel FROM unnest(@ids::uuid[], @channels::text[]) AS c(id, channel) WHERE e.id = c.id
                """, new { ids = changed.Select(c => c.Id).ToArray(), channels = changed.Select(c => c.Channel).ToArray() }, tx, cancellationToken: ct));
        var done = rows.Count < batchSize;
        if (done)
        {
            await conn.ExecuteAsync(new CommandDefinition("DELETE FROM channel_fills WHERE site_id = @SiteId", new { f.SiteId }, tx, cancellationToken: ct));
            await backfill.RestartAsync(conn, tx, f.SiteId);
        }
        else
            await conn.ExecuteAsync(new CommandDefinition("UPDATE channel_fills SET after_ts = @ts, after_id = @id WHERE site_id = @SiteId",
                new { f.SiteId, ts = rows[^1].Ts, id = rows[^1].Id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (done)
        {
            backfill.EnqueueMarking(f.SiteId);
            LogFilled(f.SiteId);
        }
        return changed.Count;
    }

    [LoggerMessage(LogLevel.Information, "Channels worked out for the older events of site {SiteId}; its rollups are being rebuilt")]
    private partial void LogFilled(long siteId);
}
