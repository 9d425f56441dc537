using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Telemetry;

public sealed class MetricsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    /// <summary>Counts of one instrument of this app (not of the other apps the tests run in this process), by endpoint and outcome.</summary>
    private MetricCollector<long> Collect(string instrument) => new(_app.Get<IMeterFactory>(), "LiveAnalytics", instrument);

    private static Dictionary<string, long> ByTags(MetricCollector<long> collector, params string[] tags) =>
        collector.GetMeasurementSnapshot().GroupBy(m => string.Join("/", tags.Select(t => m.Tags[t])))
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value));

    [Fact]
    public async Task Beacons_are_counted_by_outcome()
    {
        var merchant = await _app.MerchantAsync();
        var d = merchant.Site.Domain;
        using var received = Collect("liveanalytics.events.received");
        var client = _app.CreateClient();

        foreach (var (request, status) in (IEnumerable<(HttpRequestMessage, HttpStatusCode)>)[
            (TestData.Pageview(d, "/a"), HttpStatusCode.Accepted),
            (TestData.Pageview(d, "/b"), HttpStatusCode.Accepted),
            (TestData.Pageview(d, "/", "Googlebot/2.1 (+http://www.google.com/bot.html)"), HttpStatusCode.Accepted),
            (TestData.Beacon("{\"n\":"), HttpStatusCode.BadRequest),
            (TestData.Pageview(TestData.UniqueDomain(), "/"), HttpStatusCode.BadRequest)])
        {
            using var response = await client.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
        }

        Assert.Equal(new Dictionary<string, long>
        {
            ["beacon/accepted"] = 2, ["beacon/bot"] = 1, ["beacon/invalid"] = 1, ["beacon/unknown_site"] = 1,
        }, ByTags(received, "endpoint", "outcome"));
    }

    [Fact]
    public async Task Batch_items_are_counted_by_outcome()
    {
        var merchant = await _app.MerchantAsync();
        var stranger = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var d = merchant.Site.Domain;
        using var received = Collect("liveanalytics.events.received");

        var items = new[]
        {
            TestData.BatchPageview(d, "/a"), TestData.BatchPageview(d, "/b"), TestData.BatchPageview(d, "/c"),
            TestData.BatchPageview(d, "/old", DateTimeOffset.UtcNow.AddYears(-5)),
            TestData.BatchPageview(stranger.Site.Domain, "/"),
            TestData.BatchPageview(TestData.UniqueDomain(), "/"),
            $$"""{"name":"pageview","url":"https://{{d}}/","domain":"{{d}}","user_agent":"Googlebot/2.1 (+http://www.google.com/bot.html)"}""",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent("[" + string.Join(",", items) + "]", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _app.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // A key's holder learns nothing of others' sites: another merchant's and an unregistered domain are both forbidden.
        Assert.Equal(new Dictionary<string, long>
        {
            ["batch/accepted"] = 3, ["batch/invalid"] = 1, ["batch/forbidden"] = 2, ["batch/bot"] = 1,
        }, ByTags(received, "endpoint", "outcome"));
    }

    [Fact]
    public async Task Stored_events_and_events_set_aside_are_counted()
    {
        var merchant = await _app.MerchantAsync();
        using var stored = Collect("liveanalytics.events.stored");
        using var setAside = Collect("liveanalytics.events.set_aside");
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 4).Select(i => TestData.Event(merchant.Site.Id, now.AddSeconds(i), visitor: i)).ToArray();
        events[2] = events[2] with { Pathname = "/nul\0" };   // PostgreSQL's text cannot hold a NUL: set aside
        try
        {
            Assert.Equal(3, await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None));
            // A redelivery stores nothing new and counts nothing.
            Assert.Equal(0, await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: true, CancellationToken.None));

            Assert.Equal(3, stored.GetMeasurementSnapshot().Sum(m => m.Value));
            Assert.Equal(new Dictionary<string, long> { ["rejected_events"] = 2 }, ByTags(setAside, "table"));
        }
        finally
        {
            await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
            await conn.ExecuteAsync("DELETE FROM rejected_events WHERE id = @Id", new { events[2].Id });
        }
    }

    [Fact]
    public async Task Live_stream_clients_and_widget_viewers_are_counted_while_connected()
    {
        var merchant = await _app.MerchantAsync();
        using var clients = Collect("liveanalytics.stream.clients");
        using var viewers = new MetricCollector<int>(_app.Get<IMeterFactory>(), "LiveAnalytics", "liveanalytics.widget.viewers");
        var api = _app.CreateClient();
        api.Timeout = Timeout.InfiniteTimeSpan;
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(merchant.User.Id));
        var widget = await _app.Get<LiveAnalytics.Widgets.WidgetTokens>().CreateAsync(merchant.User.Id, merchant.Site.Id, "Storefront",
            [LiveAnalytics.Widgets.WidgetKind.Visitors], ["https://shop.example.com"]);

        await using (var stream = await SseClient.OpenAsync(api, $"/api/v1/stream?site_id={merchant.Site.Domain}"))
        await using (var viewer = await SseClient.OpenAsync(_app.CreateClient(), $"/widget/visitors/stream?token={widget!.Value.Token}"))
        {
            await stream.NextAsync("counters");
            await viewer.NextAsync("update");
            Assert.Equal(1, clients.GetMeasurementSnapshot().Sum(m => m.Value));
            viewers.RecordObservableInstruments();
            Assert.Equal(1, viewers.LastMeasurement!.Value);
        }

        // The server learns of the client's leaving when its next write or wait notices: within moments.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (clients.GetMeasurementSnapshot().Sum(m => m.Value) != 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, clients.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task The_scrape_endpoint_shows_the_apps_http_and_runtime_metrics_in_Prometheus_format()
    {
        var merchant = await _app.MerchantAsync();
        var client = _app.CreateClient();
        using (var beacon = await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/")))
            Assert.Equal(HttpStatusCode.Accepted, beacon.StatusCode);
        _ = await client.GetAsync("/health");   // reads the rollups' backlog, which the gauges show

        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n');

        Assert.Contains(lines, l => l.StartsWith("# TYPE liveanalytics_events_received_total counter"));
        // OpenTelemetry listens to meters by name in the whole process: another test's app alive meanwhile adds a series
        // with the same tags (one app a process in production).
        var accepted = lines.Where(l => l.StartsWith("liveanalytics_events_received_total{") && l.Contains("endpoint=\"beacon\"") && l.Contains("outcome=\"accepted\""));
        Assert.Contains(accepted, l => double.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        foreach (var name in (string[])["liveanalytics_stream_backlog", "liveanalytics_rollup_lag_seconds", "liveanalytics_rollup_waiting",
                     "http_server_request_duration_seconds_bucket", "dotnet_gc_collections_total"])
            Assert.True(lines.Any(l => l.StartsWith(name + "{") || l.StartsWith(name + " ")), $"{name} is missing from:\n{text}");
        Assert.Contains(lines, l => l.StartsWith("http_server_request_duration_seconds_count{") && l.Contains("http_route=\"/api/event\""));
    }

    [Fact]
    public async Task With_metrics_off_there_is_no_scrape_endpoint()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Metrics:Enabled"] = "false" });
        using var response = await app.CreateClient().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("10.1.2.3", null, null, null, HttpStatusCode.OK)]                          // a private network, as Prometheus in a cluster
    [InlineData("::ffff:192.168.1.5", null, null, null, HttpStatusCode.OK)]                // the same in IPv6's clothes
    [InlineData("203.0.113.7", null, null, null, HttpStatusCode.Forbidden)]                // the internet
    [InlineData("203.0.113.7", "203.0.113.0/24", null, null, HttpStatusCode.OK)]           // named by the operator
    [InlineData("127.0.0.1", null, null, "198.51.100.1", HttpStatusCode.Forbidden)]        // through a proxy not trusted: unknown client
    [InlineData("10.0.0.2", null, "10.0.0.2", "198.51.100.1", HttpStatusCode.Forbidden)]   // a trusted proxy, a public client
    [InlineData("10.0.0.2", null, "10.0.0.2", "192.168.0.9", HttpStatusCode.OK)]          // a trusted proxy, a private client
    public async Task Only_allowed_networks_may_scrape(string remote, string? allowed, string? proxy, string? forwardedFor, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?>();
        if (allowed is not null) settings["Operators:AllowedNetworks:0"] = allowed;
        if (proxy is not null) settings["Ingestion:TrustedProxies:0"] = proxy;
        await using var app = new RemoteAddressAppFactory(IPAddress.Parse(remote), settings);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await app.CreateClient().SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
            Assert.Contains("Operators:AllowedNetworks", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_monitor_with_the_operators_token_may_scrape_from_anywhere()
    {
        const string token = "a-long-random-monitor-token";
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        await using var app = new RemoteAddressAppFactory(IPAddress.Parse("203.0.113.7"),
            new Dictionary<string, string?> { ["Operators:MonitorTokenSha256"] = hash.ToLowerInvariant() });
        var client = app.CreateClient();

        async Task<HttpStatusCode> ScrapeAsync(string? authorization, string? forwardedFor = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await ScrapeAsync(null));
        Assert.Equal(HttpStatusCode.Forbidden, await ScrapeAsync("Bearer a-long-random-monitor-tokeN"));
        Assert.Equal(HttpStatusCode.Forbidden, await ScrapeAsync(hash));   // the hash is not the token
        Assert.Equal(HttpStatusCode.Forbidden, await ScrapeAsync($"Basic {token}"));
        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync($"Bearer {token}"));
        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync($"Bearer {token}", forwardedFor: "198.51.100.1"));   // through any proxy

        // The operator's pages want the network and a sign-in: the monitor's token opens none of them.
        using var jobs = new HttpRequestMessage(HttpMethod.Get, "/jobs");
        jobs.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var refused = await client.SendAsync(jobs);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public void A_monitor_token_that_is_not_a_SHA_256_stops_the_start_with_a_message_that_says_so()
    {
        using var app = new AppFactory(new Dictionary<string, string?> { ["Operators:MonitorTokenSha256"] = "my-token" });
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => app.CreateClient());
        Assert.Contains("Operators:MonitorTokenSha256 must be the 64 hex digits of a SHA-256", error.Message);
    }
}
