using LiveAnalytics.Infrastructure;

namespace LiveAnalytics.Widgets;

public static class WidgetsExtensions
{
    public static IHostApplicationBuilder AddWidgets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WidgetTokens>();
        builder.Services.AddSingleton<WidgetHub>();
        builder.Services.AddRedisListener(sp => sp.GetRequiredService<WidgetTokens>().ListenAsync);
        return builder;
    }
}
