using Hangfire;
using LiveAnalytics.Accounts;

namespace LiveAnalytics.Persistence;

/// <summary>
/// <c>/jobs</c>: Hangfire's dashboard of the background jobs (the flush, rollup, salt, retention, report and rebuild jobs:
/// their runs, retries and failures), for operators signed in from the operators' networks
/// (<see cref="OperatorAuthorization"/>), who may also act on them: retry or delete a failed job, run a recurring one now.
/// Any node shows every node's jobs: they share PostgreSQL. A recurring job deleted here comes back when a node starts
/// (each node registers them).
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/jobs";

    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard(Path, new DashboardOptions
            {
                // The endpoint's policy decides (Hangfire's default would let this machine's requests only).
                Authorization = [],
                DisplayStorageConnectionString = false,
                DashboardTitle = "LiveAnalytics jobs",
                AppPath = "/sites",
            })
            .RequireAuthorization(OperatorAuthorization.Policy);
        return app;
    }
}
