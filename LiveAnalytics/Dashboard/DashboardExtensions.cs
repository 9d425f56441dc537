namespace LiveAnalytics.Dashboard;

public static class DashboardExtensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DashboardQueries>();
        builder.Services.AddSingleton<Goals>();
        builder.Services.AddSingleton<Funnels>();
        builder.Services.AddSingleton<CustomProperties>();
        builder.Services.AddSingleton<SharedLinks>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapGet("/sites/{siteId:long}/history/export", DashboardExport.HandleAsync).RequireAuthorization();
        return app;
    }
}
