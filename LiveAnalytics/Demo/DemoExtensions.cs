using LiveAnalytics.Ingestion.Enrichment;

namespace LiveAnalytics.Demo;

public static class DemoExtensions
{
    public static IHostApplicationBuilder AddDemo(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.Section));
        builder.Services.AddHostedService<DemoSeeder>();
        builder.Services.AddHostedService<DemoTraffic>();
        builder.Services.AddSingleton<DemoHistory>();
        if (builder.Configuration.GetValue<bool>($"{DemoOptions.Section}:{nameof(DemoOptions.Traffic)}"))
            builder.Services.AddSingleton<IFixedPlaces, DemoPlaces>();
        return builder;
    }
}
