namespace LiveAnalytics.Live;

public static class LiveExtensions
{
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EventHub>();
        builder.Services.AddSingleton<StreamFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamFeed>());
        return builder;
    }
}
