using System.Net;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion.Enrichment;
using LiveAnalytics.Settings;
using LiveAnalytics.Telemetry;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion;

public static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>()
            .Bind(builder.Configuration.GetSection(IngestionOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.TrustedProxies.All(p => System.Net.IPNetwork.TryParse(p, out _) || IPAddress.TryParse(p, out _)),
                "Ingestion:TrustedProxies must hold IP addresses or CIDR ranges.")
            .ValidateOnStart();
        builder.Services.AddOptions<EnrichmentOptions>()
            .Bind(builder.Configuration.GetSection(EnrichmentOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.GeoIpDatabase) || File.Exists(o.GeoIpDatabase),
                "Enrichment:GeoIpDatabase names a file that does not exist.")
            .Validate(o => o.Referrers.All(r => r.Name.Length > 0 && r.Domains.Count > 0 && Mediums.All.Contains(r.Medium)),
                $"Each Enrichment:Referrers entry needs a Name, Domains and a Medium ({string.Join(", ", Mediums.All)}).")
            .ValidateOnStart();
        builder.Services.AddSingleton<GeoLookup>();
        builder.Services.AddSingleton<Enricher>();
        builder.Services.AddSingleton<TrackerScript>();
        builder.Services.AddHostedService<EnrichmentWarmUp>();
        builder.Services.AddMemoryCache(o => o.SizeLimit = 100_000);
        builder.Services.AddSingleton<SiteDirectory>();
        builder.Services.AddRedisListener(sp => sp.GetRequiredService<SiteDirectory>().ListenAsync);
        builder.Services.AddSingleton<VisitorSalts>();
        builder.Services.AddSingleton<AppendedEntries>();
        builder.Services.AddSingleton<EventStream>();
        builder.Services.AddSingleton<StreamAppender>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamAppender>());
        builder.Services.AddSingleton<IngestionService>();
        builder.Services.AddSingleton<RateLimits>();
        builder.Services.AddSingleton<BacklogMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BacklogMonitor>());
        builder.Services.AddInstruments<IngestionMetrics>();

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<IngestionOptions>>((o, ingestion) =>
        {
            // Only proxies the operator names may speak for a client. Beware: with both lists empty
            // the middleware would trust every sender, so no proxies means no forwarded headers at all.
            o.ForwardedHeaders = ingestion.Value.TrustedProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var proxy in ingestion.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address)) o.KnownProxies.Add(address);
                else o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
        });
        return builder;
    }

    public static WebApplication MapIngestion(this WebApplication app)
    {
        // Short-circuited: run as soon as routing picks them, skipping cookie authentication, authorization and
        // antiforgery, none of which they use (the batch API checks its key itself). At tens of thousands of
        // requests a second, those middleware cost several percent of the app's CPU.
        app.MapPost("/api/event", EventEndpoint.Handle).DisableAntiforgery().ShortCircuit().WithName("TrackEvent");
        app.MapMethods("/api/event", ["OPTIONS"], EventEndpoint.Preflight).ShortCircuit();
        app.MapPost("/api/v1/events", BatchEndpoint.Handle)
            .AddEndpointFilter<ApiKeyAuthFilter>().DisableAntiforgery().ShortCircuit().WithName("TrackEventBatch");
        var tracker = app.Services.GetRequiredService<TrackerScript>();
        app.MapMethods("/la.js", [HttpMethods.Get, HttpMethods.Head], tracker.Serve).ShortCircuit();
        return app;
    }
}
