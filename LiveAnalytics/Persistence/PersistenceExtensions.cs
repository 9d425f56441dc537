using Hangfire;
using Hangfire.PostgreSql;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Telemetry;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Persistence;

public static class PersistenceExtensions
{
    public static IHostApplicationBuilder AddPersistence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddInstruments<PersistenceMetrics>();
        builder.Services.AddSingleton<EventWriter>();
        builder.Services.AddTransient<FlushEventsJob>();
        builder.Services.AddSingleton<OwnEntries>();
        builder.Services.AddSingleton<OwnEntriesWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OwnEntriesWriter>());

        builder.Services.AddHangfire((sp, config) =>
        {
            var options = sp.GetRequiredService<IOptions<PersistenceOptions>>().Value;
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(options.ConnectionString),
                    new PostgreSqlStorageOptions { SchemaName = options.HangfireSchema, QueuePollInterval = TimeSpan.FromMilliseconds(500) });
        });
        var runJobs = builder.Configuration.GetSection(PersistenceOptions.Section).GetValue(nameof(PersistenceOptions.RunJobs), true);
        if (runJobs)
            builder.Services.AddHangfireServer(o =>
            {
                // The default 15 s would let the stream backlog (and "today" in reports) lag behind.
                o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
                o.WorkerCount = Math.Max(2, Environment.ProcessorCount);
            });
        return builder;
    }

    public static WebApplication MapPersistence(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<PersistenceOptions>>().Value;
        if (options.JobsDashboard) app.MapJobsDashboard();
        if (!options.RunJobs) return app;
        var jobs = app.Services.GetRequiredService<IRecurringJobManager>();
        jobs.AddOrUpdate<FlushEventsJob>("flush-events", j => j.RunAsync(CancellationToken.None),
            $"*/{options.FlushEverySeconds} * * * * *");
        jobs.AddOrUpdate<VisitorSalts>("rotate-visitor-salts", s => s.RotateAsync(), "0 */6 * * *");
        return app;
    }
}
