using Hangfire;
using Hangfire.Dashboard;
using LiveAnalytics.Infrastructure;

namespace LiveAnalytics.Persistence;

/// <summary>
/// <c>/jobs</c>: Hangfire's dashboard of the background jobs (the flush, rollup, salt, retention and rebuild jobs: their
/// runs, retries and failures), read-only, for the operator's networks only (<see cref="OperatorNetworks"/>). Any node
/// shows every node's jobs: they share PostgreSQL. Read-only because an address is not a login: a job that failed is
/// retried by itself, or requested again where a merchant started it.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/jobs";

    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        var operators = app.Services.GetRequiredService<OperatorNetworks>();
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [new FromOperatorNetworks(operators)],
            IsReadOnlyFunc = _ => true,
            DisplayStorageConnectionString = false,
            DashboardTitle = "LiveAnalytics jobs",
            AppPath = "/sites",
        });
        return app;
    }

    private sealed class FromOperatorNetworks(OperatorNetworks operators) : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => operators.Allows(context.GetHttpContext());
    }
}
