using System.Net;
using System.Text.Json;
using Dapper;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Health;

public sealed class HealthTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    /// <summary>GETs /health: the HTTP status, the overall status and each check's element by name.</summary>
    internal static async Task<(HttpStatusCode Http, string Status, Dictionary<string, JsonElement> Checks)> HealthAsync(AppFactory app)
    {
        using var response = await app.CreateClient().GetAsync("/health");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var checks = json.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        return (response.StatusCode, json.GetProperty("status").GetString()!, checks);
    }

    private static string Status(JsonElement check) => check.GetProperty("status").GetString()!;

    [Fact]
    public async Task With_Redis_and_Postgres_up_every_check_answers_and_the_node_is_ready()
    {
        var (http, _, checks) = await HealthAsync(fixture.App);

        // Other test classes may have set events aside in the shared database: the set-aside check may say degraded.
        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal(["backlog", "postgres", "redis", "rollups", "set-aside"], checks.Keys.Order());
        Assert.Equal("Healthy", Status(checks["redis"]));
        Assert.Equal("Healthy", Status(checks["postgres"]));
        Assert.Equal("Healthy", Status(checks["backlog"]));
        Assert.True(checks["backlog"].GetProperty("events").GetInt64() >= 0);
        Assert.Equal(2_000_000, checks["backlog"].GetProperty("highWaterMark").GetInt64());
        // Other classes' stored batches may wait for a rollup they never run: the figures, not the verdict.
        Assert.True(checks["rollups"].GetProperty("waitingBatches").GetInt64() >= 0);
        Assert.True(checks["rollups"].GetProperty("oldestSeconds").GetDouble() >= 0);
        Assert.Equal("ok", await fixture.App.CreateClient().GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task A_client_outside_the_operators_networks_gets_the_status_alone()
    {
        await using var outside = new RemoteAddressAppFactory(IPAddress.Parse("203.0.113.40"));
        using var response = await outside.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);   // a public uptime monitor still reads ready or not
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["status"], json.EnumerateObject().Select(p => p.Name));
        Assert.Contains(json.GetProperty("status").GetString(), new[] { "Healthy", "Degraded" });

        await using var proxy = new RemoteAddressAppFactory(IPAddress.Parse("10.1.2.3"));
        var (_, _, checks) = await HealthAsync(proxy);   // a load balancer on a private network gets every check
        Assert.Equal(5, checks.Count);

        // A hosted monitor with the operator's token gets them from anywhere.
        await using var monitored = new RemoteAddressAppFactory(IPAddress.Parse("203.0.113.40"), new Dictionary<string, string?>
        {
            ["Operators:MonitorTokenSha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("monitor-token"u8)),
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "monitor-token");
        using var withToken = await monitored.CreateClient().SendAsync(request);
        var figures = JsonDocument.Parse(await withToken.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(5, figures.GetProperty("checks").GetArrayLength());
        using var withoutToken = await monitored.CreateClient().GetAsync("/health");
        Assert.False(JsonDocument.Parse(await withoutToken.Content.ReadAsStringAsync()).RootElement.TryGetProperty("checks", out _));
    }

    [Fact]
    public async Task An_event_set_aside_makes_the_node_degraded_until_an_operator_deletes_it()
    {
        var id = Guid.NewGuid();
        await using var conn = await fixture.App.Get<NpgsqlDataSource>().OpenConnectionAsync();
        await conn.ExecuteAsync("INSERT INTO rejected_events (id, site_id, ts, error, event) VALUES (@id, 0, now(), '22021: test', '{}')", new { id });
        try
        {
            var (http, status, checks) = await HealthAsync(fixture.App);
            Assert.Equal(HttpStatusCode.OK, http);
            Assert.Equal("Degraded", status);
            Assert.Equal("Degraded", Status(checks["set-aside"]));
            Assert.True(checks["set-aside"].GetProperty("rejectedEvents").GetInt64() >= 1);
            Assert.Contains("rejected_events", checks["set-aside"].GetProperty("description").GetString());
        }
        finally
        {
            await conn.ExecuteAsync("DELETE FROM rejected_events WHERE id = @id", new { id });
        }
    }

    [Fact]
    public async Task Stored_events_waiting_too_long_for_the_rollup_make_the_node_degraded()
    {
        await using var app = new AppFactory(new Dictionary<string, string?> { ["Health:MaxRollupLagSeconds"] = "1" });
        var merchant = await app.MerchantAsync();
        await using var conn = await app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        // A busy site's batch (over RollupBusyEvents) waits 10 s before any node's rollup takes it: time enough
        // to see it waiting past this app's one second, while the other test classes' rollup runs pass it by.
        await conn.ExecuteAsync("""
            INSERT INTO rollup_batches (site_id, batch, first_ts, last_ts, events, stored_at)
            VALUES (@Id, -1, now(), now(), 1000000, now())
            """, new { merchant.Site.Id });
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(8);
            (HttpStatusCode Http, string Status, Dictionary<string, JsonElement> Checks) health;
            do
            {
                await Task.Delay(250);
                health = await HealthAsync(app);
            }
            while (Status(health.Checks["rollups"]) != "Degraded" && DateTime.UtcNow < deadline);

            Assert.Equal(HttpStatusCode.OK, health.Http);
            Assert.Equal("Degraded", Status(health.Checks["rollups"]));
            Assert.True(health.Checks["rollups"].GetProperty("waitingEvents").GetInt64() >= 1_000_000);
            // Degraded past 1 s, shown rounded to a tenth: 1.04 s reads 1.0.
            Assert.True(health.Checks["rollups"].GetProperty("oldestSeconds").GetDouble() >= 1);
            Assert.Contains("rollup job", health.Checks["rollups"].GetProperty("description").GetString());
        }
        finally
        {
            await conn.ExecuteAsync("DELETE FROM rollup_batches WHERE site_id = @Id", new { merchant.Site.Id });
        }
    }

    [Theory]
    [InlineData(0, 0, "Healthy", "Everything stored is rolled up.")]
    [InlineData(3, 12.4, "Healthy", "3000 stored events wait for the rollup, the oldest for 12 s.")]
    [InlineData(3, 301, "Degraded", "3000 stored events wait for the rollup, the oldest for 301 s (more than 300 s)")]
    [InlineData(0, 0, "Healthy", "Everything stored is rolled up. The table of visits is being filled from older events for 2 site(s)", 2)]
    public void The_rollups_verdict_turns_degraded_only_past_the_limit(long batches, double oldestSeconds, string status, string description, long filling = 0)
    {
        var (verdict, text) = LiveAnalytics.Health.RollupsCheck.Verdict(
            new LiveAnalytics.Stats.RollupBacklog(batches, batches * 1000, oldestSeconds, 0, filling), 300);
        Assert.Equal(status, verdict.ToString());
        Assert.StartsWith(description, text);
        Assert.Equal(filling > 0, text.Contains("table of visits"));
    }

    [Fact]
    public async Task Without_Redis_the_node_is_unhealthy_503_and_still_alive()
    {
        await using var noRedis = new AppFactory(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=500" });

        var (http, status, checks) = await HealthAsync(noRedis);

        // The check answers at once from the connection's state, not after a ping's 3 s timeout.
        Assert.InRange(checks["redis"].GetProperty("ms").GetDouble(), 0, 1_000);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, http);
        Assert.Equal("Unhealthy", status);
        Assert.Equal("Unhealthy", Status(checks["redis"]));
        Assert.Contains("503", checks["redis"].GetProperty("description").GetString());
        Assert.Equal("Healthy", Status(checks["postgres"]));
        Assert.Equal("ok", await noRedis.CreateClient().GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Without_Postgres_the_node_is_degraded_not_down_since_events_wait_in_Redis()
    {
        var real = new NpgsqlConnectionStringBuilder(TestServices.Postgres);
        await using var proxy = new TcpProxy(real.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Port = proxy.Port, Pooling = false, Timeout = 2 };
        await using var app = new AppFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = throughProxy.ConnectionString });
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(app)).Http);   // started (and migrated) through the proxy

        proxy.Cut();
        var (http, status, checks) = await HealthAsync(app);

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal("Degraded", status);
        Assert.Equal("Degraded", Status(checks["postgres"]));
        Assert.Equal("Healthy", Status(checks["redis"]));
        Assert.DoesNotContain("Exception", checks["postgres"].GetProperty("description").GetString());
    }
}
