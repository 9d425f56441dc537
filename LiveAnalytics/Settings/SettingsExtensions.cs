namespace LiveAnalytics.Settings;

public static class SettingsExtensions
{
    public static IHostApplicationBuilder AddSettings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeys>();
        return builder;
    }
}
