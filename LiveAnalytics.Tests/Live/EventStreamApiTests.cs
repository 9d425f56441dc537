using LiveAnalytics.Ingestion;
using System.Net;
using System.Net.Http.Headers;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Live;

public sealed class StreamingAppFixture : IAsyncLifetime
{
    public AppFactory App { get; } = new(new Dictionary<string, string?> { ["Streaming:HeartbeatSeconds"] = "1" });
    public Task InitializeAsync() { _ = App.Server; return Task.CompletedTask; }
    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class EventStreamApiTests(StreamingAppFixture fixture) : IClassFixture<StreamingAppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private HttpClient Client(string? key)
    {
        var client = _app.CreateClient();
        client.Timeout = Timeout.InfiniteTimeSpan;
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task PageviewAsync(string domain, string path, int browser = 1)
    {
        using var r = await _app.CreateClient().SendAsync(TestData.Pageview(domain, path, TestData.Browser(browser)));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }

    [Fact]
    public async Task Pushes_the_sites_events_and_counters_and_nothing_of_other_sites()
    {
        var merchant = await _app.MerchantAsync();
        var other = await _app.MerchantAsync();
        await using var stream = await SseClient.OpenAsync(Client(await _app.ApiKeyAsync(merchant.User.Id)), $"/api/v1/stream?site_id={merchant.Site.Domain}");
        var first = await stream.NextAsync("counters");
        Assert.Equal(0, first.Json.GetProperty("visitors_online").GetInt32());
        Assert.Equal(0, first.Json.GetProperty("pageviews_last_30_minutes").GetInt32());

        await PageviewAsync(other.Site.Domain, "/not-yours");
        await PageviewAsync(merchant.Site.Domain, "/hats?<script>");
        var e = await stream.NextAsync("event");
        Assert.Equal("/hats", e.Json.GetProperty("pathname").GetString());
        Assert.Equal("pageview", e.Json.GetProperty("name").GetString());
        Assert.Equal("Direct", e.Json.GetProperty("channel").GetString());   // no referrer: typed in
        Assert.Equal(e.Id, e.Json.GetProperty("id").GetString());
        Assert.Matches(@"^\d+-\d+$", e.Id!);
        var counters = await stream.NextAsync("counters", f => f.Json.GetProperty("visitors_online").GetInt32() == 1);
        Assert.Equal("/hats", counters.Json.GetProperty("pages")[0].GetProperty("value").GetString());
        Assert.Equal(0, counters.Json.GetProperty("events_last_30_minutes").GetArrayLength());

        using (var purchase = await _app.CreateClient().SendAsync(TestData.Beacon(
            $$$"""{"n":"Purchase","u":"https://{{{merchant.Site.Domain}}}/checkout","d":"{{{merchant.Site.Domain}}}","$":{"amount":49.9,"currency":"EUR"}}""")))
            Assert.Equal(HttpStatusCode.Accepted, purchase.StatusCode);
        var sales = await stream.NextAsync("counters", f => f.Json.GetProperty("events_last_30_minutes").GetArrayLength() == 1);
        Assert.Equal("""[{"name":"Purchase","events":1,"revenue":[{"amount":49.9,"currency":"EUR"}]}]""",
            sales.Json.GetProperty("events_last_30_minutes").GetRawText());
    }

    [Fact]
    public async Task Resumes_after_the_last_event_id_without_gaps_or_doubles()
    {
        var merchant = await _app.MerchantAsync();
        var client = Client(await _app.ApiKeyAsync(merchant.User.Id));
        var url = $"/api/v1/stream?site_id={merchant.Site.Domain}";
        string firstId;
        await using (var stream = await SseClient.OpenAsync(client, url))
        {
            await PageviewAsync(merchant.Site.Domain, "/one");
            firstId = (await stream.NextAsync("event")).Id!;
        }
        // Missed while disconnected:
        await PageviewAsync(merchant.Site.Domain, "/two");
        await PageviewAsync(merchant.Site.Domain, "/three");

        await using var resumed = await SseClient.OpenAsync(client, url, lastEventId: firstId);
        var paths = new List<string>();
        for (var i = 0; i < 2; i++) paths.Add((await resumed.NextAsync("event")).Json.GetProperty("pathname").GetString()!);
        await PageviewAsync(merchant.Site.Domain, "/four");
        paths.Add((await resumed.NextAsync("event")).Json.GetProperty("pathname").GetString()!);
        Assert.Equal(["/two", "/three", "/four"], paths);

        // Nothing else follows: within a heartbeat or two only counters and heartbeats (a frame may be
        // seconds late while the whole suite shares two cores; this is about what comes, not when).
        var deadline = DateTime.UtcNow.AddSeconds(2.5);
        while (DateTime.UtcNow < deadline)
        {
            var frame = await resumed.NextAsync(deadline - DateTime.UtcNow + TimeSpan.FromSeconds(5));
            Assert.NotNull(frame);
            Assert.NotEqual("event", frame.Event);
        }
    }

    [Fact]
    public async Task Resumes_in_the_middle_of_an_entry_that_holds_many_events()
    {
        var merchant = await _app.MerchantAsync();
        var client = Client(await _app.ApiKeyAsync(merchant.User.Id));
        var url = $"/api/v1/stream?site_id={merchant.Site.Domain}";
        var now = DateTimeOffset.UtcNow;
        var ids = new List<string>();
        await using (var stream = await SseClient.OpenAsync(client, url))
        {
            // One entry, as a batch request or a group commit of beacons makes.
            await _app.Get<EventStream>().AppendSettledAsync(
                new[] { "/a", "/b", "/c" }.Select((p, i) => TestData.Event(merchant.Site.Id, now, visitor: i + 1, p)).ToArray(), stored: true);
            for (var i = 0; i < 3; i++) ids.Add((await stream.NextAsync("event")).Id!);
        }
        Assert.Equal(3, ids.Distinct().Count());

        await using var resumed = await SseClient.OpenAsync(client, url, lastEventId: ids[0]);
        var b = await resumed.NextAsync("event");
        var c = await resumed.NextAsync("event");
        Assert.Equal(("/b", "/c"), (b.Json.GetProperty("pathname").GetString(), c.Json.GetProperty("pathname").GetString()));
        Assert.Equal(ids[1..], [b.Id!, c.Id!]);   // the ids the live feed gave are the ids a replay gives

        await using var atEnd = await SseClient.OpenAsync(client, url, lastEventId: ids[2]);
        var deadline = DateTime.UtcNow.AddSeconds(1.5);
        while (DateTime.UtcNow < deadline)
            Assert.NotEqual("event", (await atEnd.NextAsync(deadline - DateTime.UtcNow + TimeSpan.FromSeconds(5)))!.Event);
    }

    [Fact]
    public async Task Sends_heartbeats_while_idle()
    {
        var merchant = await _app.MerchantAsync();
        await using var stream = await SseClient.OpenAsync(Client(await _app.ApiKeyAsync(merchant.User.Id)), $"/api/v1/stream?site_id={merchant.Site.Domain}");
        await stream.NextAsync("counters");
        var heartbeat = await stream.NextAsync(":", timeout: TimeSpan.FromSeconds(5));
        Assert.Equal("heartbeat", heartbeat.Data);
    }

    [Fact]
    public async Task Refuses_missing_keys_foreign_sites_and_bad_resume_ids()
    {
        var merchant = await _app.MerchantAsync();
        var other = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client(null).GetAsync($"/api/v1/stream?site_id={merchant.Site.Domain}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Client(key).GetAsync($"/api/v1/stream?site_id={other.Site.Domain}")).StatusCode);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stream?site_id={merchant.Site.Domain}");
        request.Headers.Add("Last-Event-ID", "'; DROP TABLE events; --");
        using var bad = await Client(key).SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Last-Event-ID", await bad.Content.ReadAsStringAsync());
    }
}
