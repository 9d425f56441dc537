using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Reports;

public static class ReportsExtensions
{
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTransient<EmailReports>();
        builder.Services.AddTransient<TrafficAlert>();
        builder.Services.AddTransient<SilenceAlert>();
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section));
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddTransient<SiteWebhooks>();
        builder.Services.AddTransient<WebhookAlerts>();
        return builder;
    }

    public static WebApplication MapReports(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value.RunJobs) return app;
        // Hourly: each site's Monday or 1st comes at another UTC hour.
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<EmailReports>("weekly-reports", r => r.SendWeeklyAsync(CancellationToken.None), "5 * * * *");
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<EmailReports>("monthly-reports", r => r.SendMonthlyAsync(CancellationToken.None), "10 * * * *");
        // Every node holds the same live numbers, so whichever node runs it reads them.
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<TrafficAlert>("traffic-alerts", a => a.CheckAsync(CancellationToken.None), "*/30 * * * * *");
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<SilenceAlert>("silence-alerts", a => a.CheckAsync(CancellationToken.None), "*/5 * * * *");
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<WebhookAlerts>("webhook-alerts", a => a.CheckAsync(CancellationToken.None), "*/30 * * * * *");
        return app;
    }
}
