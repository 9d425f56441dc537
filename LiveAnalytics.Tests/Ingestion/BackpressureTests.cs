using System.Net;
using System.Text.Json;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Health;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class BackpressureTests
{
    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_Retry_After_and_nothing_is_stored()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Ingestion:PerIpPerSecond"] = "5" });
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            var response = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/", TestData.Browser(i)));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused ??= response;
        }
        var accepted = statuses.Count(s => s == HttpStatusCode.Accepted);
        // A burst of twice the rate, plus 5 more for each refill the loop lived through (a slow machine sees more).
        Assert.InRange(accepted, 10, 10 + 5 * (int)Math.Ceiling(clock.Elapsed.TotalSeconds));
        Assert.NotNull(refused);
        Assert.Equal(40 - accepted, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal("1", refused!.Headers.GetValues("Retry-After").Single());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(accepted, (await app.StreamEventsAsync()).Count);
    }

    [Fact]
    public async Task A_site_over_its_rate_gets_429_naming_the_site()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Ingestion:PerSitePerSecond"] = "3" });
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 40 && refused is null; i++)
        {
            var response = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/", TestData.Browser(i)));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }
        Assert.NotNull(refused);   // a burst of 6, refilled by 3 a second: 40 quick requests must meet the limit
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Contains(merchant.Site.Domain, problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Past_the_backlog_high_water_mark_events_get_503_until_persistence_catches_up()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Ingestion:MaxBacklog"] = "1000" });
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();
        var filler = StreamEntries.Encode(TestData.Event(merchant.Site.Id, DateTimeOffset.UtcNow, 1));
        var batch = app.Redis.CreateBatch();
        var adds = Enumerable.Range(0, 1000).Select(_ => batch.StreamAddAsync(app.StreamKey, StreamEntries.Single, filler)).ToArray();
        batch.Execute();
        await Task.WhenAll(adds);
        var monitor = app.Get<BacklogMonitor>();
        await monitor.MeasureAsync();

        using var refused = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("5", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(1000, await app.Redis.StreamLengthAsync(app.StreamKey));
        // A load balancer reading /health takes the node out meanwhile.
        var (health, _, checks) = await HealthTests.HealthAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health);
        Assert.Equal("Unhealthy", checks["backlog"].GetProperty("status").GetString());
        Assert.Equal(1000, checks["backlog"].GetProperty("events").GetInt64());

        await app.Get<FlushEventsJob>().RunAsync();
        await monitor.MeasureAsync();
        using var accepted = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("Healthy", (await HealthTests.HealthAsync(app)).Checks["backlog"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_backlog_is_told_in_events_when_entries_hold_many()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Ingestion:MaxBacklog"] = "1000" });
        var merchant = await app.MerchantAsync();
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(1, 1200).Select(i => new PendingEvent(TestData.Event(merchant.Site.Id, now, i), null)).ToArray();
        await app.Get<EventStream>().AppendAsync(events);
        Assert.Equal((1200 + StreamEntries.MaxEvents - 1) / StreamEntries.MaxEvents, await app.Redis.StreamLengthAsync(app.StreamKey));

        var monitor = app.Get<BacklogMonitor>();
        await monitor.MeasureAsync();
        Assert.Equal(1200, monitor.Backlog);
        Assert.True(monitor.IsFull);

        await app.Get<FlushEventsJob>().RunAsync();
        await monitor.MeasureAsync();
        Assert.Equal(0, monitor.Backlog);
        Assert.False(monitor.IsFull);
    }

    [Fact]
    public async Task Beacon_answers_let_any_page_read_them()
    {
        await using var app = new AppFactory();
        var merchant = await app.MerchantAsync();
        using var response = await app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/"));
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using var preflight = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/event"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single());
    }
}
