using LiveAnalytics.Infrastructure;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Widgets;

public static class WidgetsExtensions
{
    public static IHostApplicationBuilder AddWidgets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WidgetTokens>();
        builder.Services.AddSingleton<WidgetHub>();
        builder.Services.AddInstruments<WidgetMetrics>();
        builder.Services.AddRedisListener(sp => sp.GetRequiredService<WidgetTokens>().ListenAsync);
        return builder;
    }
}
