using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Health;

/// <summary>Redis: every acknowledgement goes through it, so without it the node refuses new events.</summary>
internal sealed class RedisCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        // Not connected: the multiplexer is retrying in the background; a ping would only wait for its timeout.
        if (!redis.IsConnected) return new HealthCheckResult(context.Registration.FailureStatus, Unreachable);
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy("Redis answers.", new Dictionary<string, object> { ["pingMs"] = Math.Round(latency.TotalMilliseconds, 1) });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, Unreachable, ex);
        }
    }

    private const string Unreachable = "Redis is unreachable: new events are answered 503.";
}

/// <summary>
/// PostgreSQL: while it is away events still are acknowledged (they wait in the Redis backlog) but nothing
/// is stored, rolled up or shown from history, and sign-ins fail: degraded, not down.
/// </summary>
internal sealed class PostgresCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var ping = new NpgsqlCommand("SELECT 1", conn);
            await ping.ExecuteScalarAsync(ct);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                "PostgreSQL is unreachable: events wait in the Redis backlog; history and sign-in are unavailable.", ex);
        }
    }
}
