using System.Diagnostics.Metrics;
using Dapper;
using LiveAnalytics.Telemetry;
using Npgsql;

namespace LiveAnalytics.Stats;

/// <summary>How far the rollups are behind what is stored: the batches not yet rolled up and how long the oldest has waited.</summary>
/// <param name="FillingVisits">Sites whose table of visits is still being filled from older events (after an upgrade).</param>
public sealed record RollupBacklog(long Batches, long Events, double OldestSeconds, long StaleHours, long FillingVisits = 0);

/// <summary>
/// Reads <see cref="RollupBacklog"/> for the <c>rollups</c> health check and the metrics. A stalled rollup job
/// (its Hangfire server stopped, a run failing every time) otherwise shows only as history that stops moving.
/// </summary>
public sealed class RollupLag
{
    // A scrape must not query PostgreSQL each time, nor wait for it: the gauges show the last reading, and an
    // older one than this is refreshed in the background for the next scrape.
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);
    private readonly NpgsqlDataSource _db;
    private readonly TimeProvider _time;
    private (RollupBacklog Value, DateTimeOffset At)? _last;
    private int _refreshing;

    public RollupLag(NpgsqlDataSource db, TimeProvider time, IMeterFactory meters)
    {
        (_db, _time) = (db, time);
        var meter = AppMeter.Create(meters);
        meter.CreateObservableGauge("liveanalytics.rollup.lag", () => Observe(b => b.OldestSeconds), "s",
            "How long the oldest stored batch has waited for the rollup (0: none waits).");
        meter.CreateObservableGauge("liveanalytics.rollup.waiting", () => Observe(b => b.Events), "{event}",
            "Stored events not yet in the hourly and daily rollups.");
    }

    /// <remarks>Stored times are the database's (<c>now()</c> on insert), so the age is measured by its clock too.</remarks>
    public async Task<RollupBacklog> ReadAsync(CancellationToken ct = default)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        var backlog = await conn.QuerySingleAsync<RollupBacklog>(new CommandDefinition("""
            SELECT count(*) AS "Batches", coalesce(sum(events), 0)::bigint AS "Events",
                   coalesce(extract(epoch FROM now() - min(stored_at)), 0)::float8 AS "OldestSeconds",
                   (SELECT count(*) FROM rollup_dirty_hours) AS "StaleHours",
                   (SELECT count(*) FROM sites WHERE visits_from > '-infinity') AS "FillingVisits"
            FROM rollup_batches
            """, cancellationToken: ct));
        _last = (backlog, _time.GetUtcNow());
        return backlog;
    }

    private IEnumerable<Measurement<double>> Observe(Func<RollupBacklog, double> value)
    {
        var last = _last;
        if ((last is null || _time.GetUtcNow() - last.Value.At > Fresh) && Interlocked.Exchange(ref _refreshing, 1) == 0)
            _ = RefreshAsync();
        return last is { } l ? [new Measurement<double>(value(l.Value))] : [];
    }

    private async Task RefreshAsync()
    {
        try
        {
            await ReadAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ObjectDisposedException)
        {
            // PostgreSQL away (the postgres health check says so) or the app stopping: the gauges keep their last reading.
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
