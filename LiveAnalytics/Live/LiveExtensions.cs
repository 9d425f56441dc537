using LiveAnalytics.Live.Hub;
using LiveAnalytics.Live.Streaming;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Live;

public static class LiveExtensions
{
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StreamOptions>()
            .Bind(builder.Configuration.GetSection(StreamOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<EventHub>();
        builder.Services.AddSingleton<StreamFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamFeed>());
        builder.Services.AddSingleton<StreamReplay>();
        builder.Services.AddInstruments<StreamMetrics>();
        builder.AddLiveHub();
        return builder;
    }

    public static WebApplication MapLive(this WebApplication app)
    {
        app.MapEventStream();
        app.MapLiveHub();
        return app;
    }
}
