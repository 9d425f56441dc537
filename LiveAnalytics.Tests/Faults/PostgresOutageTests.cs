using Dapper;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Faults;

/// <summary>PostgreSQL goes away for 30 s under load: the backlog waits in Redis and nothing acknowledged is lost.</summary>
public sealed class PostgresOutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("LA_TEST_OUTAGE_SECONDS"), out var s) ? s : 30);

    [Fact]
    public async Task Events_acknowledged_while_Postgres_is_down_are_all_persisted_when_it_returns()
    {
        var real = new NpgsqlConnectionStringBuilder(TestServices.Postgres);
        await using var proxy = new TcpProxy(real.Port);
        // No pooling: after the outage no dead pooled connection is handed out, so the first run after it can succeed.
        var throughProxy = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Port = proxy.Port, Pooling = false, Timeout = 3 };
        await using var app = new AppFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = throughProxy.ConnectionString });
        var merchant = await app.MerchantAsync();
        var job = app.Get<FlushEventsJob>();
        await job.RunAsync();

        var load = new LoadGenerator(app.CreateClient, merchant.Site.Domain);
        load.Start();
        await Task.Delay(1000);
        proxy.Cut();
        var ackedBeforeOutage = load.Acknowledged.Count;
        await Assert.ThrowsAnyAsync<Exception>(() => job.RunAsync());   // the flush cannot reach Postgres...
        await Task.Delay(Outage);
        var ackedDuringOutage = load.Acknowledged.Count - ackedBeforeOutage;
        proxy.Restore();
        await Task.Delay(1000);
        await load.StopAsync();

        await job.RunAsync();                                            // ...and drains the backlog when it returns
        Assert.True(ackedDuringOutage > 100, $"only {ackedDuringOutage} events were acknowledged during the outage");
        var persisted = await PersistedMarkersAsync(merchant.Site.Id);
        var lost = load.Acknowledged.Except(persisted).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {load.Acknowledged.Count} acknowledged events were lost");
        Assert.Equal(load.Acknowledged.Count, persisted.Count);         // and none stored twice
    }

    internal static async Task<HashSet<int>> PersistedMarkersAsync(long siteId)
    {
        await using var conn = new NpgsqlConnection(TestServices.Postgres);
        var markers = await conn.QueryAsync<int>("SELECT (props->>'n')::int FROM events WHERE site_id = @siteId", new { siteId });
        return markers.ToHashSet();
    }
}
