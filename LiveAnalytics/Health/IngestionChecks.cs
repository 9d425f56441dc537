using Dapper;
using LiveAnalytics.Ingestion;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Health;

/// <summary>
/// The events waiting to be stored, as <see cref="BacklogMonitor"/> last measured them: unhealthy at the
/// high-water mark (new events get 503), degraded past half of it (persistence is falling behind).
/// </summary>
internal sealed class BacklogCheck(BacklogMonitor backlog, IOptions<IngestionOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var (waiting, max) = (backlog.Backlog, options.Value.MaxBacklog);
        var data = new Dictionary<string, object> { ["events"] = waiting, ["highWaterMark"] = max };
        return Task.FromResult(
            backlog.IsFull ? new HealthCheckResult(context.Registration.FailureStatus, $"{waiting} events wait to be stored, past the high-water mark of {max}: new events are answered 503.", data: data)
            : waiting * 2 >= max ? HealthCheckResult.Degraded($"{waiting} events wait to be stored, past half the high-water mark of {max}.", data: data)
            : HealthCheckResult.Healthy($"{waiting} events wait to be stored.", data));
    }
}

/// <summary>
/// Events PostgreSQL refused and stream entries nobody could read are kept aside (rejected_events,
/// unreadable_entries) for an operator to read: degraded while any are there, so that it is noticed.
/// </summary>
internal sealed class SetAsideCheck(NpgsqlDataSource db) : IHealthCheck
{
    // Counted up to a bound: the answer is "some", and a probe must stay cheap however many there are.
    private const int CountUpTo = 10_000;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var (events, entries) = await conn.QuerySingleAsync<(long, long)>(new CommandDefinition("""
                SELECT (SELECT count(*) FROM (SELECT 1 FROM rejected_events LIMIT @CountUpTo) r),
                       (SELECT count(*) FROM (SELECT 1 FROM unreadable_entries LIMIT @CountUpTo) u)
                """, new { CountUpTo }, cancellationToken: ct));
            var data = new Dictionary<string, object> { ["rejectedEvents"] = events, ["unreadableEntries"] = entries };
            if (events == 0 && entries == 0) return HealthCheckResult.Healthy("Nothing is set aside.", data);
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"Kept aside: events PostgreSQL refused, {Counted(events)} (rejected_events); unreadable stream entries, " +
                $"{Counted(entries)} (unreadable_entries). Read them, then delete the rows (README: Set-aside events).", data: data);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Could not read what is set aside: PostgreSQL is unreachable.", ex);
        }
    }

    private static string Counted(long n) => n >= CountUpTo ? $"{CountUpTo} or more" : n.ToString();
}
