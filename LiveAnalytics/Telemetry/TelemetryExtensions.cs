using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace LiveAnalytics.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// Metrics in Prometheus' text format: the app's own (events received by outcome, stored, set aside,
    /// the backlog, the rollup's lag, live stream clients and widget viewers), ASP.NET Core's and Kestrel's (requests
    /// by route and status, their durations, connections, SignalR connections, Blazor circuits), the runtime's (GC,
    /// thread pool, CPU) and Npgsql's (pool use, commands).
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>()
            .Bind(builder.Configuration.GetSection(TelemetryOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        if (!options.Enabled) return builder;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(AppMeter.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
                "Microsoft.AspNetCore.Http.Connections", "Microsoft.AspNetCore.Components.Server.Circuits", "System.Runtime", "Npgsql")
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// The scrape endpoint. It shows no merchant's data (no instrument is tagged by site), only the node's traffic,
    /// and only to <see cref="OperatorNetworks"/> or a monitor with the operator's token.
    /// </summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!options.Enabled) return app;
        foreach (var holder in app.Services.GetServices<InstrumentHolder>()) app.Services.GetRequiredService(holder.Type);
        var operators = app.Services.GetRequiredService<OperatorNetworks>();
        app.MapPrometheusScrapingEndpoint(options.Path, meterProvider: null, optionsName: null, configureBranchedPipeline: branch =>
            branch.Use(async (context, next) =>
            {
                if (operators.AllowsMonitor(context)) await next(context);
                else await OperatorNetworks.RefuseAsync(context, "Metrics");
            })).ShortCircuit();
        return app;
    }
}
