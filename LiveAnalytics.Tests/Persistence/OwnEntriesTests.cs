using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Persistence;

/// <summary>
/// A node that persists its own beacons: the append script delivers each entry to the node's consumer,
/// the node stores it from memory, and whatever it does not hold the flush job still finds in Redis.
/// </summary>
public sealed class OwnEntriesTests : IAsyncLifetime
{
    // The writer's own loop wakes only for a full batch (1,000 events) or after 59 s: the tests drive it.
    private readonly AppFactory _app = new(new Dictionary<string, string?>
    {
        ["Persistence:PersistOwnEvents"] = "true",
        ["Persistence:FlushEverySeconds"] = "59",
    });

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.Get<FlushEventsJob>().RunAsync();   // creates the "persist" group: nothing is delivered before it
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Fewer_than_a_batch_are_stored_once_FlushEverySeconds_pass_on_the_nodes_clock()
    {
        var merchant = await _app.MerchantAsync();
        var options = _app.Get<IOptions<PersistenceOptions>>();   // every 59 s, batches of 1,000
        var own = new OwnEntries(options);
        own.TryAdd(new LiveAnalytics.Live.Streaming.StreamId(1, 1), [.. Enumerable.Range(1, 3).Select(i => TestData.Event(merchant.Site.Id, DateTimeOffset.UtcNow, i))]);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var writer = new OwnEntriesWriter(own, _app.Get<EventWriter>(), _app.Get<IConnectionMultiplexer>(),
            _app.Get<IOptions<LiveAnalytics.Infrastructure.RedisOptions>>(), options, clock, NullLogger<OwnEntriesWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(500);
            Assert.Equal(0, await TestData.StoredEventsAsync(merchant.Site.Id));

            clock.Advance(TimeSpan.FromSeconds(59));
            for (var waited = 0; own.Count > 0 && waited < 10_000; waited += 50) await Task.Delay(50);
            Assert.Equal(3, await TestData.StoredEventsAsync(merchant.Site.Id));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Beacons_are_delivered_as_they_are_appended_and_stored_from_memory()
    {
        var merchant = await _app.MerchantAsync();
        await SendAsync(merchant, "/a", "/b", "/c");
        var own = _app.Get<OwnEntries>();
        Assert.Equal(3, own.Count);
        var group = await GroupAsync();
        Assert.Equal((0L, 3), (group.Lag ?? -1, group.PendingMessageCount));

        // The flush job leaves them to the writer: it neither reads them nor stores them.
        await _app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(0, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(3, (await GroupAsync()).PendingMessageCount);

        Assert.True(await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None));
        Assert.Equal(3, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, (await GroupAsync()).PendingMessageCount);
        Assert.Equal(0, own.Count);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @Id AND session_id = 0", new { merchant.Site.Id }));
    }

    [Fact]
    public async Task Held_entries_count_as_backlog_until_they_are_stored()
    {
        var merchant = await _app.MerchantAsync();
        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        var monitor = _app.Get<BacklogMonitor>();
        await SendAsync(merchant, "/a", "/b");
        await monitor.MeasureAsync();
        Assert.True(monitor.Backlog >= 2, $"backlog {monitor.Backlog}");

        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        await monitor.MeasureAsync();
        Assert.Equal(0, monitor.Backlog);
    }

    [Fact]
    public async Task With_Postgres_away_the_entries_stay_held_and_pending_until_a_write_succeeds()
    {
        var merchant = await _app.MerchantAsync();
        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        await SendAsync(merchant, "/a", "/b");
        var own = _app.Get<OwnEntries>();

        // Nothing listens on port 1: every COPY fails as it would with PostgreSQL down.
        await using var away = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2");
        var failing = new OwnEntriesWriter(own, new EventWriter(away, _app.Get<PersistenceMetrics>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<EventWriter>.Instance), _app.Get<IConnectionMultiplexer>(),
            _app.Get<IOptions<LiveAnalytics.Infrastructure.RedisOptions>>(), _app.Get<IOptions<PersistenceOptions>>(),
            TimeProvider.System, NullLogger<OwnEntriesWriter>.Instance);
        Assert.False(await failing.WriteAllAsync(CancellationToken.None));
        Assert.Equal(2, own.Count);
        Assert.Equal(2, (await GroupAsync()).PendingMessageCount);

        Assert.True(await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None));
        Assert.Equal(2, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, (await GroupAsync()).PendingMessageCount);
    }

    [Fact]
    public async Task Entries_delivered_here_but_not_held_are_stored_by_the_flush_job_and_held_ones_left_to_the_writer()
    {
        var merchant = await _app.MerchantAsync();
        var own = _app.Get<OwnEntries>();
        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        await SendAsync(merchant, "/dropped", "/held");
        // As when memory was full: the first entry is pending for this node, and only Redis has it.
        own.Remove(own.Peek(1));

        await _app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(0, await TestData.StoredEventsAsync(merchant.Site.Id));   // too fresh: it might be on its way to memory
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        await _app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(["/dropped"], await PathsAsync(merchant.Site.Id));
        Assert.Equal(1, (await GroupAsync()).PendingMessageCount);

        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        Assert.Equal(["/dropped", "/held"], await PathsAsync(merchant.Site.Id));
        Assert.Equal(0, (await GroupAsync()).PendingMessageCount);
    }

    [Fact]
    public async Task A_stored_batch_is_delivered_and_acknowledged_at_once_and_the_next_beacon_is_still_delivered()
    {
        var merchant = await _app.MerchantAsync();
        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        var d = merchant.Site.Domain;
        var items = string.Join(",", Enumerable.Range(0, 300).Select(i => $$"""{"name":"pageview","url":"https://{{d}}/p{{i}}","domain":"{{d}}","ip":"81.2.69.{{i % 200}}"}"""));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent($"[{items}]", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(merchant.User.Id));
        using var response = await _app.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var group = await GroupAsync();
        Assert.Equal((0L, 0), (group.Lag ?? -1, group.PendingMessageCount));

        await SendAsync(merchant, "/after");
        Assert.Equal(1, _app.Get<OwnEntries>().Count);
        await _app.Get<OwnEntriesWriter>().WriteAllAsync(CancellationToken.None);
        Assert.Equal(301, await TestData.StoredEventsAsync(merchant.Site.Id));
    }

    [Fact]
    public async Task Woken_by_a_full_batch_the_writer_stores_whole_batches_and_keeps_the_rest_for_the_next()
    {
        var merchant = await _app.MerchantAsync();
        var own = _app.Get<OwnEntries>();
        var writer = _app.Get<OwnEntriesWriter>();
        await writer.WriteAllAsync(CancellationToken.None);
        // 25 entries of 100 events (ids as XADD would give them; acknowledging ids never delivered does nothing).
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 25; i++)
            Assert.True(own.TryAdd(new LiveAnalytics.Live.Streaming.StreamId(now.ToUnixTimeMilliseconds(), i),
                Enumerable.Range(0, 100).Select(j => TestData.Event(merchant.Site.Id, now, 5_000 + j, $"/p{i}-{j}") with { SessionId = 1 }).ToArray()));
        Assert.True(await writer.WriteAsync(wholeBatchesOnly: true, CancellationToken.None));
        Assert.Equal(2000, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(5, own.Count);
        // Two COPYs of 1,000, not one per few entries: each COPY is a transaction and a commit.
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT count(DISTINCT batch) FROM events WHERE site_id = @Id", new { merchant.Site.Id }));

        Assert.True(await writer.WriteAllAsync(CancellationToken.None));
        Assert.Equal(2500, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, own.Count);
    }

    [Fact]
    public async Task A_node_that_stops_stores_what_it_holds_first()
    {
        await using var node = new AppFactory(new Dictionary<string, string?>
        {
            ["Persistence:PersistOwnEvents"] = "true",
            ["Persistence:FlushEverySeconds"] = "59",
        });
        var merchant = await node.MerchantAsync();
        await node.Get<FlushEventsJob>().RunAsync();
        var client = node.CreateClient();
        foreach (var path in new[] { "/a", "/b", "/c" })
        {
            using var response = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, path));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.Equal(3, node.Get<OwnEntries>().Count);

        await node.DisposeAsync();
        Assert.Equal(3, await TestData.StoredEventsAsync(merchant.Site.Id));
    }

    private async Task SendAsync(Merchant merchant, params string[] paths)
    {
        var client = _app.CreateClient();
        // One at a time: each its own group commit, so its own entry.
        foreach (var path in paths)
        {
            using var response = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, path));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    private async Task<StreamGroupInfo> GroupAsync() =>
        (await _app.Redis.StreamGroupInfoAsync(_app.StreamKey)).Single(g => g.Name == FlushEventsJob.Group);

    private async Task<string[]> PathsAsync(long siteId)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return (await conn.QueryAsync<string>("SELECT pathname FROM events WHERE site_id = @siteId ORDER BY pathname", new { siteId })).ToArray();
    }

}
