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
        Assert.Equal(["backlog", "postgres", "redis", "set-aside"], checks.Keys.Order());
        Assert.Equal("Healthy", Status(checks["redis"]));
        Assert.Equal("Healthy", Status(checks["postgres"]));
        Assert.Equal("Healthy", Status(checks["backlog"]));
        Assert.True(checks["backlog"].GetProperty("events").GetInt64() >= 0);
        Assert.Equal(2_000_000, checks["backlog"].GetProperty("highWaterMark").GetInt64());
        Assert.Equal("ok", await fixture.App.CreateClient().GetStringAsync("/healthz"));
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
