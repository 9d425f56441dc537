using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Dashboard;

public static class DashboardExtensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DashboardQueries>();
        builder.Services.AddSingleton<Goals>();
        builder.Services.AddSingleton<Funnels>();
        builder.Services.AddSingleton<FunnelDays>();
        builder.Services.AddSingleton<CustomProperties>();
        builder.Services.AddSingleton<SharedLinks>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapGet("/sites/{siteId:long}/history/export", DashboardExport.HandleAsync).RequireAuthorization();
        if (app.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value.RunJobs)
            app.Services.GetRequiredService<IRecurringJobManager>()
                .AddOrUpdate<FunnelDays>("funnel-days", f => f.RunAsync(CancellationToken.None), "*/10 * * * *");
        return app;
    }
}
