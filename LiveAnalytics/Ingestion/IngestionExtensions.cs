using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

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
        builder.Services.AddMemoryCache(o => o.SizeLimit = 100_000);
        builder.Services.AddSingleton<SiteDirectory>();
        builder.Services.AddSingleton<VisitorSalts>();
        builder.Services.AddSingleton<EventStream>();
        builder.Services.AddSingleton<IngestionService>();

        var proxies = builder.Configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>()?.TrustedProxies ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults trust loopback; only proxies the operator names may speak for a client.
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var p in proxies)
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(p.Contains('/') ? p : $"{p}/{(IPAddress.Parse(p).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}"));
        });
        return builder;
    }

    public static WebApplication MapIngestion(this WebApplication app)
    {
        app.MapPost("/api/event", EventEndpoint.Handle)
            .DisableAntiforgery()
            .WithName("TrackEvent");
        return app;
    }
}
