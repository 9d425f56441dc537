using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Dashboard;

public static class DashboardExtensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DashboardQueries>();
        builder.Services.AddSingleton<TopValues>();
        builder.Services.AddSingleton<WorldMap>();
        builder.Services.AddSingleton<MapLand>();
        builder.Services.AddSingleton<Goals>();
        builder.Services.AddSingleton<Funnels>();
        builder.Services.AddSingleton<FunnelDays>();
        builder.Services.AddSingleton<PropertyDays>();
        builder.Services.AddSingleton<CustomProperties>();
        builder.Services.AddSingleton<SharedLinks>();
        builder.Services.AddSingleton<Annotations>();
        builder.Services.AddSingleton<Segments>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        MapLand.Map(app);
        app.MapGet("/sites/{siteId:long}/history/export", DashboardExport.HandleAsync).RequireAuthorization();
        app.MapGet("/sites/{siteId:long}/history/list/{dimension}/export", TopValuesExport.HandleAsync).RequireAuthorization()
            .AddEndpointFilter<Stats.DatabaseUnavailableFilter>();
        if (!app.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value.RunJobs) return app;
        // The day rollups of what the rollups do not keep, five minutes apart.
        var jobs = app.Services.GetRequiredService<IRecurringJobManager>();
        jobs.AddOrUpdate<FunnelDays>("funnel-days", f => f.RunAsync(CancellationToken.None), "*/10 * * * *");
        jobs.AddOrUpdate<PropertyDays>("property-days", p => p.RunAsync(CancellationToken.None), "5-59/10 * * * *");
        return app;
    }
}
