using LiveAnalytics.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>
/// The real app on the test PostgreSQL and Redis. Each factory has its own Redis key prefix
/// (so its own event stream) and, by default, no Hangfire server and no writer of its own entries: tests
/// run the jobs themselves.
/// </summary>
public class AppFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    /// <param name="keyPrefix">Another factory's prefix: this one is then a second node of the same installation.</param>
    public AppFactory(IDictionary<string, string?>? settings = null, string? keyPrefix = null)
    {
        KeyPrefix = keyPrefix ?? "t" + Guid.NewGuid().ToString("N")[..12];
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestServices.Postgres,
            ["ConnectionStrings:Redis"] = TestServices.Redis,
            ["Redis:KeyPrefix"] = KeyPrefix,
            ["Persistence:RunJobs"] = "false",
            ["Persistence:PersistOwnEvents"] = "false",
            ["Persistence:HangfireSchema"] = "hangfire_" + KeyPrefix,
            ["Logging:LogLevel:Default"] = "Warning",
            // Test clients all come from one address; the limit tests set their own.
            ["Ingestion:PerIpPerSecond"] = "100000",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
    }

    public string KeyPrefix { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    // Hangfire logs through one static provider, which each app points at its own logger factory when it configures
    // Hangfire. Once that app is gone, another app's first Hangfire client would log through a disposed factory (a 500
    // on a page that makes one: seen once in a full run). Production runs one app a process; tests run dozens.
    public override async ValueTask DisposeAsync()
    {
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
        base.Dispose(disposing);
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public IDatabase Redis => Get<IConnectionMultiplexer>().GetDatabase();

    public string StreamKey => Get<IOptions<RedisOptions>>().Value.StreamKey;

    /// <summary>Every readable event on the stream, in stream order, with the entry that holds it.</summary>
    public async Task<List<(StreamEntry Entry, LiveAnalytics.Ingestion.TrackedEvent Event)>> StreamEventsAsync()
    {
        var all = new List<(StreamEntry, LiveAnalytics.Ingestion.TrackedEvent)>();
        foreach (var entry in await Redis.StreamRangeAsync(StreamKey))
            all.AddRange(LiveAnalytics.Ingestion.StreamEntries.Events(entry).Select(e => (entry, e)));
        return all;
    }
}
