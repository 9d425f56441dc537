using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class BatchEndpointTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private async Task<HttpResponseMessage> PostAsync(string? apiKey, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return await _app.CreateClient().SendAsync(request);
    }

    [Fact]
    public async Task Each_item_gets_its_own_result_and_only_good_ones_are_stored()
    {
        var merchant = await _app.MerchantAsync();
        var stranger = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var d = merchant.Site.Domain;
        var orderedAt = DateTimeOffset.UtcNow.AddHours(-3);
        var body = $$$"""
            [
              {"name":"Order","url":"https://{{{d}}}/checkout/done","domain":"{{{d}}}","timestamp":"{{{orderedAt:O}}}","ip":"81.2.69.142",
               "user_agent":"{{{TestData.Chrome}}}","revenue":{"amount":"42.50","currency":"EUR"}},
              {"name":"Refund","url":"https://{{{d}}}/","domain":"{{{d}}}","timestamp":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}},
              {"name":"pageview","url":"not a url","domain":"{{{d}}}"},
              {"name":"pageview","url":"https://{{{d}}}/","domain":"{{{d}}}","user_agent":"Googlebot/2.1 (+http://www.google.com/bot.html)"},
              {"name":"pageview","url":"https://{{{d}}}/","domain":"{{{stranger.Site.Domain}}}"},
              {"name":"pageview","url":"https://{{{d}}}/","domain":"{{{d}}}","timestamp":"2001-01-01T00:00:00Z"},
              {"name":"pageview","url":"https://{{{d}}}/","domain":"{{{d}}}","timestamp":"{{{DateTimeOffset.UtcNow.AddDays(1):O}}}"},
              {"name":"pageview","url":"https://{{{d}}}/","domain":"{{{d}}}","timestamp":"2026-11-28T09:30:00"},
              {"name":"pageview","url":"https://{{{d}}}/","domain":"{{{d}}}","ip":"999.1.1.1","id":"nope"},
              "not an object"
            ]
            """;
        using var response = await PostAsync(key, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["accepted", "accepted", "rejected", "dropped", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected"],
            results.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(2, json.RootElement.GetProperty("accepted").GetInt32());
        Assert.True(results[2].GetProperty("errors").TryGetProperty("url", out _));
        Assert.Contains(stranger.Site.Domain, results[4].GetProperty("errors").GetProperty("domain")[0].GetString());
        foreach (var i in new[] { 5, 6, 7 }) Assert.True(results[i].GetProperty("errors").TryGetProperty("timestamp", out _));
        Assert.True(results[8].GetProperty("errors").TryGetProperty("ip", out _));
        Assert.True(results[8].GetProperty("errors").TryGetProperty("id", out _));

        await _app.Get<FlushEventsJob>().RunAsync();
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var order = await conn.QuerySingleAsync<(DateTime Ts, decimal Amount, string Country, string Browser)>(
            "SELECT ts, revenue_amount, country, browser FROM events WHERE site_id = @Id AND name = 'Order'", new { merchant.Site.Id });
        Assert.Equal(orderedAt.UtcDateTime, order.Ts, TimeSpan.FromMilliseconds(1));
        Assert.Equal(42.50m, order.Amount);
        Assert.Equal("Chrome", order.Browser);
        var refund = await conn.QuerySingleAsync<string?>("SELECT browser FROM events WHERE site_id = @Id AND name = 'Refund'", new { merchant.Site.Id });
        Assert.Null(refund);   // no User-Agent from the server: stored without client details, not dropped as a bot
    }

    [Fact]
    public async Task Resending_a_batch_with_ids_stores_each_event_once()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var items = Enumerable.Range(0, 50).Select(i =>
            $$"""{"id":"{{Guid.CreateVersion7()}}","name":"Order","url":"https://{{merchant.Site.Domain}}/","domain":"{{merchant.Site.Domain}}"}""");
        var body = "[" + string.Join(",", items) + "]";
        (await PostAsync(key, body)).Dispose();
        await _app.Get<FlushEventsJob>().RunAsync();
        using var again = await PostAsync(key, body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await _app.Get<FlushEventsJob>().RunAsync();

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(50, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @Id", new { merchant.Site.Id }));
    }

    [Fact]
    public async Task Accepted_events_are_in_Postgres_when_the_answer_comes_and_reach_the_live_view()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        string Item(string path) => TestData.BatchPageview(merchant.Site.Domain, path);
        (await PostAsync(key, $"[{Item("/a")},{Item("/b")}]")).Dispose();
        using var second = await PostAsync(key, $"[{Item("/c")}]");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        // No flush job has run: the answer came after the COPY.
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Path, long Visitor, long Session)>(
            "SELECT pathname, visitor_id, session_id FROM events WHERE site_id = @Id ORDER BY pathname", new { merchant.Site.Id })).ToList();
        Assert.Equal(["/a", "/b", "/c"], rows.Select(r => r.Path));
        Assert.Single(rows.Select(r => r.Visitor).Distinct());
        Assert.Single(rows.Select(r => r.Session).Distinct());   // one visit across requests, settled in Redis
        Assert.NotEqual(0, rows[0].Session);

        // On the stream for live views only: the persist group stores nothing again.
        var ours = (await _app.StreamEventsAsync()).Where(e => e.Event.SiteId == merchant.Site.Id).ToList();
        Assert.Equal(3, ours.Count);
        Assert.All(ours, e => Assert.False(e.Entry[StreamEntries.Stored].IsNull));
        await _app.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(3, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @Id", new { merchant.Site.Id }));
        var live = await _app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(merchant.Site.Id, s => s.VisitorsOnline == 1 && s.Feed.Count == 3);
        Assert.Equal("/c", live.Feed[0].Pathname);
    }

    [Fact]
    public async Task A_backfills_events_are_stored_but_only_recent_ones_go_on_the_stream()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var now = DateTimeOffset.UtcNow;
        string Item(string path, DateTimeOffset at) => TestData.BatchPageview(merchant.Site.Domain, path, at);
        using var response = await PostAsync(key, $"[{Item("/last-week", now.AddHours(-50))},{Item("/before-window", now.AddMinutes(-31))},{Item("/in-window", now.AddMinutes(-29))}]");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(["/before-window", "/in-window", "/last-week"],
            await conn.QueryAsync<string>("SELECT pathname FROM events WHERE site_id = @Id ORDER BY pathname", new { merchant.Site.Id }));
        // Older than the live views' 30 minutes: stored, and kept off the stream (Redis memory, every node's feed).
        var ours = (await _app.StreamEventsAsync()).Where(e => e.Event.SiteId == merchant.Site.Id).Select(e => e.Event.Pathname);
        Assert.Equal(["/in-window"], ours);
        var live = await _app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 1);
        Assert.Equal("/in-window", live.Feed[0].Pathname);
    }

    [Fact]
    public async Task Imported_events_form_visits_by_their_own_time_apart_from_the_live_one()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var day = DateTimeOffset.UtcNow.AddHours(-50);
        string Item(string path, DateTimeOffset? at = null) => TestData.BatchPageview(merchant.Site.Domain, path, at);
        async Task Post(params string[] items)
        {
            using var response = await PostAsync(key, "[" + string.Join(",", items) + "]");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The visitor is on the site now, while their history of two days ago is imported: two visits three
        // hours apart, listed out of order, and one more event of the second visit in a later request.
        await Post(Item("/live-1"));
        await Post(Item("/a2", day.AddMinutes(10)), Item("/b1", day.AddHours(3)), Item("/a1", day), Item("/a3", day.AddMinutes(25)));
        await Post(Item("/b2", day.AddHours(3).AddMinutes(20)));
        await Post(Item("/live-2"));

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var sessions = (await conn.QueryAsync<(string Path, long Session)>(
            "SELECT pathname, session_id FROM events WHERE site_id = @Id", new { merchant.Site.Id })).ToDictionary(r => r.Path[1..], r => r.Session);
        Assert.Equal(7, sessions.Count);
        var visits = sessions.GroupBy(p => p.Value, p => p.Key).Select(g => string.Join(" ", g.Order())).Order();
        Assert.Equal(["a1 a2 a3", "b1 b2", "live-1 live-2"], visits);
    }

    [Fact]
    public async Task An_imported_visit_key_of_another_form_starts_a_new_visit_instead_of_failing()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var at = DateTimeOffset.UtcNow.AddHours(-5);
        string Item(string path, DateTimeOffset t) => $"[{TestData.BatchPageview(merchant.Site.Domain, path, t)}]";
        (await PostAsync(key, Item("/first", at))).Dispose();
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var (visitor, first) = await conn.QuerySingleAsync<(long, long)>("SELECT visitor_id, session_id FROM events WHERE site_id = @Id", new { merchant.Site.Id });
        await _app.Redis.StringSetAsync($"{_app.KeyPrefix}:session:{merchant.Site.Id}:{visitor}:h", "not a visit");

        using var response = await PostAsync(key, Item("/second", at.AddMinutes(5)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = await conn.QuerySingleAsync<long>("SELECT session_id FROM events WHERE site_id = @Id AND pathname = '/second'", new { merchant.Site.Id });
        Assert.NotEqual(first, second);
        Assert.NotEqual(0, second);
    }

    [Fact]
    public async Task A_live_visit_key_of_the_older_form_still_continues_its_visit()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        await TestData.PostPageviewsAsync(_app.CreateClient(), key, merchant.Site.Domain, ("/first", null));
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var visitor = await conn.QuerySingleAsync<long>("SELECT visitor_id FROM events WHERE site_id = @Id", new { merchant.Site.Id });
        // Before "session first", a live key held the session alone; such keys live on through an upgrade.
        await _app.Redis.StringSetAsync($"{_app.KeyPrefix}:session:{merchant.Site.Id}:{visitor}", "777", TimeSpan.FromMinutes(30));

        await TestData.PostPageviewsAsync(_app.CreateClient(), key, merchant.Site.Domain, ("/second", null));

        Assert.Equal(777, await conn.QuerySingleAsync<long>("SELECT session_id FROM events WHERE site_id = @Id AND pathname = '/second'", new { merchant.Site.Id }));
    }

    [Fact]
    public async Task With_Postgres_failing_the_batch_goes_through_the_stream_and_is_stored_later()
    {
        var merchant = await _app.MerchantAsync();
        await using var nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=1;Pooling=false");
        var ingestion = new IngestionService(_app.Get<SiteDirectory>(), _app.Get<VisitorSalts>(), _app.Get<LiveAnalytics.Ingestion.Enrichment.Enricher>(),
            _app.Get<EventStream>(), _app.Get<StreamAppender>(), new EventWriter(nowhere, _app.Get<PersistenceMetrics>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<EventWriter>.Instance), _app.Get<RateLimits>(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<IngestionService>.Instance);
        async Task<IReadOnlyList<PendingEvent>> Prepare(string name, DateTimeOffset? at)
        {
            var payload = new EventPayload(name, new Uri($"https://{merchant.Site.Domain}/checkout"), [merchant.Site.Domain], null, null, null, null);
            var (result, events) = await ingestion.PrepareAsync(payload, new EventOrigin("81.2.69.142", TestData.Chrome, at, ServerSide: true));
            Assert.Equal(IngestResult.Accepted, result);
            return events;
        }
        var order = await Prepare("Order", null);
        var imported = await Prepare("Imported", DateTimeOffset.UtcNow.AddHours(-2));

        await ingestion.StoreAsync([.. order, .. imported]);   // no exception: durable in Redis instead

        var ours = (await _app.StreamEventsAsync()).Where(e => e.Event.SiteId == merchant.Site.Id).ToList();
        Assert.Equal(["Imported", "Order"], ours.Select(e => e.Event.Name).Order());
        Assert.All(ours, e => Assert.True(e.Entry[StreamEntries.Stored].IsNull));
        // The live views show what is going on now; the imported event is on the stream only to be stored.
        var live = await _app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count > 0);
        Assert.Equal(["Order"], live.Feed.Select(f => f.Name));
        var replayed = new List<string>();   // a live client resuming from the stream's start
        await foreach (var e in _app.Get<LiveAnalytics.Live.Streaming.StreamReplay>().AfterAsync(merchant.Site.Id, default, CancellationToken.None))
            replayed.Add(e.Event.Name);
        Assert.Equal(["Order"], replayed);
        await _app.Get<FlushEventsJob>().RunAsync();
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var sessions = await conn.QueryAsync<long>("SELECT session_id FROM events WHERE site_id = @Id ORDER BY name", new { merchant.Site.Id });
        Assert.Equal(2, sessions.Distinct().Count(s => s != 0));   // the import is a visit of its own
    }

    [Theory]
    [InlineData("{\"name\":\"pageview\"}", "array")]
    [InlineData("[]", "1 to 1000")]
    [InlineData("[{", "JSON")]
    [InlineData("[[[[[[[[[[1]]]]]]]]]]", "JSON")]
    public async Task A_malformed_batch_is_a_400_saying_why(string body, string mentioned)
    {
        var merchant = await _app.MerchantAsync();
        using var response = await PostAsync(await _app.ApiKeyAsync(merchant.User.Id), body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task More_than_1000_events_are_refused_whole()
    {
        var merchant = await _app.MerchantAsync();
        var item = $$"""{"name":"e","url":"https://{{merchant.Site.Domain}}/","domain":"{{merchant.Site.Domain}}"}""";
        using var response = await PostAsync(await _app.ApiKeyAsync(merchant.User.Id), "[" + string.Join(",", Enumerable.Repeat(item, 1001)) + "]");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1001", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Needs_an_api_key()
    {
        using var response = await PostAsync(null, "[]");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
