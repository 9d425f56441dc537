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

    /// <param name="ownWriter">The node stores its beacons from memory (the default) or leaves them all to the flush job.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Events_acknowledged_while_Postgres_is_down_are_all_persisted_when_it_returns(bool ownWriter)
    {
        var real = new NpgsqlConnectionStringBuilder(TestServices.Postgres);
        await using var proxy = new TcpProxy(real.Port);
        // No pooling: after the outage no dead pooled connection is handed out, so the first run after it can succeed.
        var throughProxy = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Port = proxy.Port, Pooling = false, Timeout = 3 };
        await using var app = new AppFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = throughProxy.ConnectionString,
            ["Persistence:PersistOwnEvents"] = ownWriter ? "true" : "false",
            ["Persistence:FlushEverySeconds"] = "1",
        });
        var merchant = await app.MerchantAsync();
        var job = app.Get<FlushEventsJob>();
        await job.RunAsync();

        var load = new LoadGenerator(app.CreateClient, merchant.Site.Domain);
        load.Start();
        // A second of load, and some of it acknowledged: on a machine busy starting other tests the first beacons can take
        // longer, and a flush with nothing to store would not need Postgres at all.
        await Task.Delay(1000);
        for (var waited = 0; load.Acknowledged.Count < 20 && waited < 30_000; waited += 50) await Task.Delay(50);
        proxy.Cut();
        var ackedBeforeOutage = load.Acknowledged.Count;
        // The flush (which has every entry to store) cannot reach Postgres; a node's writer keeps what it holds.
        if (!ownWriter) await Assert.ThrowsAnyAsync<Exception>(() => job.RunAsync());
        await Task.Delay(Outage);
        if (ownWriter)
            Assert.True(app.Get<OwnEntries>().Count > 0,
                $"the writer should still hold the entries of the outage ({load.Acknowledged.Count - ackedBeforeOutage} acknowledged during it)");
        var ackedDuringOutage = load.Acknowledged.Count - ackedBeforeOutage;
        proxy.Restore();
        await Task.Delay(1000);
        await load.StopAsync();

        await job.RunAsync();                                            // ...and drains the backlog once it is back
        if (ownWriter)
        {
            // The node's writer retries on its own; what it held through the outage is stored within seconds.
            var own = app.Get<OwnEntries>();
            for (var i = 0; i < 100 && own.Count > 0; i++) await Task.Delay(200);
            Assert.Equal(0, own.Count);
            await job.RunAsync();
        }
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
