using System.Net;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Persistence;

/// <summary>The whole path on real services: beacon, stream, live hub, flush job, Postgres.</summary>
public sealed class LivePathTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task An_event_reaches_the_live_count_and_feed_and_is_persisted_exactly_once()
    {
        var merchant = await _app.MerchantAsync();
        var hub = _app.Get<EventHub>();
        Assert.Equal(0, hub.Snapshot(merchant.Site.Id).VisitorsOnline);

        using var response = await _app.CreateClient().SendAsync(
            TestData.Pageview(merchant.Site.Domain, "/products/hat", referrer: "https://www.google.com/search"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var live = await hub.WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 1);
        Assert.Equal(1, live.VisitorsOnline);
        Assert.Equal("/products/hat", live.Feed[0].Pathname);
        Assert.Equal("Google", live.Feed[0].Source);
        Assert.Equal("search", live.Feed[0].Medium);
        Assert.Equal(1, live.PageviewsPerMinute[^1].Pageviews);

        var job = _app.Get<FlushEventsJob>();
        await job.RunAsync();
        await job.RunAsync();
        Assert.Equal(1, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, (await _app.Redis.StreamPendingAsync(_app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task A_redelivered_event_is_not_stored_twice()
    {
        var merchant = await _app.MerchantAsync();
        using var response = await _app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/"));
        await _app.Get<FlushEventsJob>().RunAsync();

        // A node that committed but died before XACK delivers the same entry again: same event id.
        var stored = await FirstEntryOfSiteAsync(merchant.Site.Id);
        await _app.Redis.StreamAddAsync(_app.StreamKey, stored);
        await _app.Get<FlushEventsJob>().RunAsync();

        Assert.Equal(1, await TestData.StoredEventsAsync(merchant.Site.Id));
    }

    [Fact]
    public async Task Entries_read_but_never_acknowledged_are_persisted_by_the_next_run()
    {
        var merchant = await _app.MerchantAsync();
        await _app.Get<FlushEventsJob>().RunAsync();   // creates the group, drains earlier tests' events
        using var response = await _app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/crash"));

        // As if the job had read the entry and the process died before COPY and XACK.
        var read = await _app.Redis.StreamReadGroupAsync(_app.StreamKey, FlushEventsJob.Group, FlushEventsJob.Consumer, ">");
        Assert.NotEmpty(read);
        Assert.Equal(0, await TestData.StoredEventsAsync(merchant.Site.Id));

        await _app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(1, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, (await _app.Redis.StreamPendingAsync(_app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task Entries_of_many_events_are_stored_whole_with_their_settled_sessions()
    {
        var merchant = await _app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        // 2,500 events in entries of many, 25 visitors: more than one COPY's worth, read a few entries at a time.
        var events = Enumerable.Range(0, 2500)
            .Select(i => new PendingEvent(TestData.Event(merchant.Site.Id, now, 1_000_000 + i % 25, $"/p{i}") with { SessionId = 0 }, null)).ToArray();
        await _app.Get<EventStream>().AppendAsync(events);
        await _app.Get<FlushEventsJob>().RunAsync();

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var (rows, visitors, sessions, unsettled) = await conn.QuerySingleAsync<(long, long, long, long)>(
            "SELECT count(*), count(DISTINCT visitor_id), count(DISTINCT session_id), count(*) FILTER (WHERE session_id = 0) FROM events WHERE site_id = @Id",
            new { merchant.Site.Id });
        Assert.Equal((2500L, 25L, 25L, 0L), (rows, visitors, sessions, unsettled));
        Assert.Equal(0, (await _app.Redis.StreamPendingAsync(_app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task A_batch_of_many_entries_goes_on_the_stream_in_one_call_and_counts_as_backlog()
    {
        var merchant = await _app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        var counts = (RedisKey)EventStream.CountsKey(_app.Get<Microsoft.Extensions.Options.IOptions<LiveAnalytics.Infrastructure.RedisOptions>>().Value);
        var before = await _app.Redis.HashGetAsync(counts, ["events", "entries"]);

        await _app.Get<EventStream>().AppendSettledAsync(
            Enumerable.Range(0, 300).Select(i => TestData.Event(merchant.Site.Id, now, 2_000_000 + i, $"/b{i}")).ToArray(), stored: false);

        var ours = (await _app.StreamEventsAsync()).Where(e => e.Event.SiteId == merchant.Site.Id).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"/b{i}"), ours.Select(e => e.Event.Pathname));
        Assert.Equal((300 + StreamEntries.MaxEvents - 1) / StreamEntries.MaxEvents, ours.Select(e => e.Entry.Id).Distinct().Count());
        var after = await _app.Redis.HashGetAsync(counts, ["events", "entries"]);
        Assert.Equal(((long)before[0] + 300, (long)before[1] + ours.Select(e => e.Entry.Id).Distinct().Count()), ((long)after[0], (long)after[1]));
    }

    [Fact]
    public async Task Concurrent_flush_runs_store_each_event_once()
    {
        var merchant = await _app.MerchantAsync();
        var client = _app.CreateClient();
        for (var i = 0; i < 40; i++)
            (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, $"/p{i}", userAgent: TestData.Browser(i)))).Dispose();

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => _app.Get<FlushEventsJob>().RunAsync())));
        await _app.Get<FlushEventsJob>().RunAsync();

        Assert.Equal(40, await TestData.StoredEventsAsync(merchant.Site.Id));
    }

    [Fact]
    public async Task An_event_Postgres_will_not_take_is_set_aside_and_the_backlog_drains()
    {
        var merchant = await _app.MerchantAsync();
        await _app.Get<FlushEventsJob>().RunAsync();   // drains earlier tests' events
        var now = DateTimeOffset.UtcNow;
        // Validation lets neither through; they stand for whatever might pass it one day. 300 events in three
        // entries, two that PostgreSQL refuses: a NUL its text cannot hold, a revenue past numeric(18,4).
        var events = Enumerable.Range(0, 300).Select(i => TestData.Event(merchant.Site.Id, now, 3_000_000 + i, $"/ok{i}")).ToArray();
        events[17] = events[17] with { Pathname = "/nul\0" };
        events[150] = events[150] with { RevenueAmount = 1e20m, RevenueCurrency = "EUR" };
        await _app.Get<EventStream>().AppendSettledAsync(events, stored: false);

        await _app.Get<FlushEventsJob>().RunAsync();

        Assert.Equal(298, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, (await _app.Redis.StreamPendingAsync(_app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var rejected = (await conn.QueryAsync<(Guid Id, string Error, string Event)>(
            "SELECT id, error, event FROM rejected_events WHERE site_id = @Id", new { merchant.Site.Id })).ToDictionary(r => r.Id);
        Assert.Equal(new[] { events[17].Id, events[150].Id }.Order(), rejected.Keys.Order());
        Assert.Contains("0x00", rejected[events[17].Id].Error);
        Assert.Contains("/ok150", rejected[events[150].Id].Event);   // the whole event, to fix and insert by hand
        // The rollup takes what was stored (until it is all taken: another class's run may hold a batch of it).
        await _app.RollUpAsync(merchant.Site.Id);
        Assert.Equal(298, await conn.ExecuteScalarAsync<long>("SELECT sum(pageviews) FROM rollup_hours WHERE site_id = @Id AND dimension = ''", new { merchant.Site.Id }));
    }

    [Fact]
    public async Task An_event_that_cannot_be_encoded_is_set_aside_by_the_writer()
    {
        // Events stored from memory (this node's beacons, the batch API) reach the COPY as they are, unlike the
        // stream's, whose JSON replaces a lone surrogate: one fails while its text is encoded, before PostgreSQL.
        var merchant = await _app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 10).Select(i => TestData.Event(merchant.Site.Id, now, 4_000_000 + i, $"/ok{i}")).ToArray();
        events[4] = events[4] with { UtmCampaign = "half \ud800" };

        Assert.Equal(9, await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None));

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var (id, error, json) = await conn.QuerySingleAsync<(Guid, string, string)>(
            "SELECT id, error, event FROM rejected_events WHERE site_id = @Id", new { merchant.Site.Id });
        Assert.Equal(events[4].Id, id);
        Assert.StartsWith(nameof(System.Text.EncoderFallbackException), error);
        Assert.Contains("/ok4", json);
        Assert.Equal(9, await TestData.StoredEventsAsync(merchant.Site.Id));
    }

    [Fact]
    public async Task Entries_the_flush_job_cannot_read_are_kept_as_they_were_not_dropped()
    {
        var merchant = await _app.MerchantAsync();
        await _app.Get<FlushEventsJob>().RunAsync();   // drains earlier tests' events
        // One entry with a readable and an unreadable event; one whose compressed events claim 2 GB.
        var readable = System.Text.Encoding.UTF8.GetString(StreamEntries.Encode(TestData.Event(merchant.Site.Id, DateTimeOffset.UtcNow, 5_000_000, "/readable")));
        var mixed = await _app.Redis.StreamAddAsync(_app.StreamKey, [new(StreamEntries.Batch, $"{readable}\n{{\"name\":null}}"), new(StreamEntries.Node, "node-b")]);
        byte[] damaged = [0x01, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0x42];
        var broken = await _app.Redis.StreamAddAsync(_app.StreamKey, [new(StreamEntries.Batch, damaged)]);

        try
        {
            await _app.Get<FlushEventsJob>().RunAsync();
        }
        finally
        {
            // The other tests read the whole stream back.
            await _app.Redis.StreamDeleteAsync(_app.StreamKey, [mixed, broken]);
        }

        Assert.Equal(1, await TestData.StoredEventsAsync(merchant.Site.Id));
        Assert.Equal(0, (await _app.Redis.StreamPendingAsync(_app.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var kept = (await conn.QueryAsync<(string Id, string Error, byte[] Payload, string? Node)>(
            "SELECT stream_id, error, payload, node FROM unreadable_entries WHERE stream_id = ANY(@ids)",
            new { ids = new[] { (string)mixed!, (string)broken! } })).ToDictionary(k => k.Id);
        Assert.Equal(2, kept.Count);
        Assert.Contains("1 of its events", kept[(string)mixed!].Error);
        Assert.Equal("node-b", kept[(string)mixed!].Node);
        Assert.Equal(damaged, kept[(string)broken!].Payload);
        Assert.Contains("length", kept[(string)broken!].Error);
    }

    private async Task<NameValueEntry[]> FirstEntryOfSiteAsync(long siteId)
    {
        foreach (var entry in await _app.Redis.StreamRangeAsync(_app.StreamKey))
            if (StreamEntries.Events(entry).Any(e => e.SiteId == siteId)) return entry.Values;
        throw new InvalidOperationException("No stream entry for the site.");
    }
}
