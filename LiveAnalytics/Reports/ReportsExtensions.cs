using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Reports;

public static class ReportsExtensions
{
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTransient<WeeklyReport>();
        builder.Services.AddTransient<TrafficAlert>();
        builder.Services.AddTransient<SilenceAlert>();
        return builder;
    }

    public static WebApplication MapReports(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value.RunJobs) return app;
        // Hourly: each site's Monday morning comes at another UTC hour.
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<WeeklyReport>("weekly-reports", r => r.SendDueAsync(CancellationToken.None), "5 * * * *");
        // Every node holds the same live numbers, so whichever node runs it reads them.
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<TrafficAlert>("traffic-alerts", a => a.CheckAsync(CancellationToken.None), "*/30 * * * * *");
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<SilenceAlert>("silence-alerts", a => a.CheckAsync(CancellationToken.None), "*/5 * * * *");
        return app;
    }
}
