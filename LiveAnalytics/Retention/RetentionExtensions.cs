using Hangfire;
using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Retention;

public static class RetentionExtensions
{
    public static IHostApplicationBuilder AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EventRetention>();
        builder.Services.AddTransient<RetentionJob>();
        return builder;
    }

    public static WebApplication MapRetention(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value.RunJobs) return app;
        // Hourly, off the hour's start when other periodic work gathers.
        app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<RetentionJob>("delete-old-events", j => j.RunAsync(CancellationToken.None), "17 * * * *");
        return app;
    }
}
