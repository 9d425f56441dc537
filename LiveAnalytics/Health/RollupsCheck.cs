using LiveAnalytics.Stats;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Health;

/// <summary>
/// The rollups behind what is stored: degraded past <see cref="HealthOptions.MaxRollupLagSeconds"/>, since
/// events are still taken and stored, but dashboards of history stop moving until the rollup job runs again.
/// </summary>
internal sealed class RollupsCheck(RollupLag lag, IOptions<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        RollupBacklog backlog;
        try
        {
            backlog = await lag.ReadAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Could not read the rollups' backlog: PostgreSQL is unreachable.", ex);
        }
        var (status, description) = Verdict(backlog, options.Value.MaxRollupLagSeconds);
        var data = new Dictionary<string, object>
        {
            ["waitingBatches"] = backlog.Batches, ["waitingEvents"] = backlog.Events,
            ["oldestSeconds"] = Math.Round(backlog.OldestSeconds, 1), ["staleHours"] = backlog.StaleHours,
            ["sitesFillingVisits"] = backlog.FillingVisits,
        };
        return new HealthCheckResult(status == HealthStatus.Healthy ? status : context.Registration.FailureStatus, description, data: data);
    }

    internal static (HealthStatus, string) Verdict(RollupBacklog backlog, int maxLagSeconds)
    {
        // After an upgrade the job fills the table of visits from older events, between its other steps: no fault, but
        // until it is done filtered views of older periods read the raw events, slower.
        var filling = backlog.FillingVisits == 0 ? ""
            : $" The table of visits is being filled from older events for {backlog.FillingVisits} site(s): until then their filtered views of older periods read the raw events.";
        return backlog.OldestSeconds > maxLagSeconds
            ? (HealthStatus.Degraded, $"{backlog.Events} stored events wait for the rollup, the oldest for {backlog.OldestSeconds:0} s " +
                $"(more than {maxLagSeconds} s): the rollup job is stopped or failing, and history is not up to date (its log says why)." + filling)
            : (HealthStatus.Healthy, (backlog.Batches == 0 ? "Everything stored is rolled up."
                : $"{backlog.Events} stored events wait for the rollup, the oldest for {backlog.OldestSeconds:0} s.") + filling);
    }
}
