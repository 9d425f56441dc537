using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveAnalytics.Health;

public static class HealthExtensions
{
    // A check that takes longer answers for itself: a load balancer's probe must not hang on a dead dependency.
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The checks behind <c>/health</c>. Redis unreachable or the backlog past its high-water mark is
    /// unhealthy (the node answers new events 503); PostgreSQL unreachable, events set aside or the rollups
    /// minutes behind is degraded (events are still taken and kept, but history waits, or an operator has
    /// something to read).
    /// </summary>
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthOptions>()
            .Bind(builder.Configuration.GetSection(HealthOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHealthChecks()
            .AddCheck<RedisCheck>("redis", HealthStatus.Unhealthy, timeout: CheckTimeout)
            .AddCheck<BacklogCheck>("backlog", HealthStatus.Unhealthy, timeout: CheckTimeout)
            .AddCheck<PostgresCheck>("postgres", HealthStatus.Degraded, timeout: CheckTimeout)
            .AddCheck<SetAsideCheck>("set-aside", HealthStatus.Degraded, timeout: CheckTimeout)
            .AddCheck<RollupsCheck>("rollups", HealthStatus.Degraded, timeout: CheckTimeout);
        return builder;
    }

    /// <summary>
    /// <c>/healthz</c>: liveness, the process answers (restart it if not); it never looks at Redis or
    /// PostgreSQL, so an outage of theirs does not restart every node. <c>/health</c>: readiness, 200 when
    /// healthy or degraded and 503 when unhealthy, with every check's verdict as JSON.
    /// </summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        return app;
    }
}
