using System.Net;
using System.Text.Json;
using Dapper;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class EventEndpointTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task Accepts_a_valid_beacon_with_202_and_appends_it_to_the_stream()
    {
        var merchant = await _app.MerchantAsync();
        var before = await _app.Redis.StreamLengthAsync(_app.StreamKey);
        using var response = await _app.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/products/hat"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(before + 1, await _app.Redis.StreamLengthAsync(_app.StreamKey));
    }

    [Fact]
    public async Task A_store_routed_by_the_fragment_has_its_pages_there_when_it_says_so()
    {
        var shop = await _app.MerchantAsync();
        var d = shop.Site.Domain;
        var client = _app.CreateClient();
        foreach (var body in new[]
        {
            $$"""{"n":"pageview","u":"https://{{d}}/app?x=1#/products/hat","d":"{{d}}","h":1}""",
            $$"""{"n":"pageview","u":"https://{{d}}/app#/cart","d":"{{d}}"}""",   // without data-hash: the fragment is no page
            $$"""{"n":"pageview","u":"https://{{d}}/app#","d":"{{d}}","h":1}""",
        })
        {
            using var response = await client.SendAsync(TestData.Beacon(body));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var live = await _app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(shop.Site.Id, s => s.Feed.Count == 3);
        Assert.Equal(["/app#/products/hat", "/app", "/app"], live.Feed.Reverse().Select(f => f.Pathname));
    }

    [Fact]
    public async Task Rejects_an_unknown_domain_with_400_naming_the_field()
    {
        using var response = await _app.CreateClient().SendAsync(TestData.Pageview("never-registered.example", "/"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("never-registered.example", problem.RootElement.GetProperty("errors").GetProperty("domain")[0].GetString());
    }

    [Fact]
    public async Task A_beacon_sent_again_with_its_id_is_stored_and_counted_once()
    {
        var shop = await _app.MerchantAsync();
        var other = await _app.MerchantAsync();
        var (d, o) = (shop.Site.Domain, other.Site.Domain);
        var resent = Guid.CreateVersion7();
        string Body(Guid id, string domains) => $$"""{"n":"pageview","u":"https://{{d}}/cart","d":"{{domains}}","i":"{{id}}"}""";
        var client = _app.CreateClient();
        async Task SendAsync(string body)
        {
            using var response = await client.SendAsync(TestData.Beacon(body));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // The tracker's retry queue resends a beacon whose first answer it never saw: in the same flush, and after it.
        await SendAsync(Body(resent, d));
        await SendAsync(Body(resent, d));
        await SendAsync(Body(Guid.CreateVersion7(), d));
        await _app.Get<FlushEventsJob>().RunAsync();
        await SendAsync(Body(resent, d));
        // The same id on another site names another event: ids are the client's to choose, so they are scoped by site.
        await SendAsync(Body(resent, $"{d},{o}"));
        await _app.Get<FlushEventsJob>().RunAsync();

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @Id", new { shop.Site.Id }));
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @Id", new { other.Site.Id }));
        await _app.RollUpAsync(shop.Site.Id);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal(2, (await _app.Get<RollupQueries>().AggregateAsync(shop.Site.Id, today.AddDays(-1), today.AddDays(1))).Pageviews);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"n":"pageview","u":"https://x.example/","d":"x.example","p":"<script>alert(1)</script>"}""")]
    [InlineData("""{"n":"pageview","u":"https://x.example/","d":"x.example'; DROP TABLE events; --"}""")]
    [InlineData("""{"n":["pageview"],"u":1,"d":false}""")]
    public async Task Rejects_hostile_input_with_400_and_stores_nothing(string body)
    {
        var before = await _app.Redis.StreamLengthAsync(_app.StreamKey);
        using var response = await _app.CreateClient().SendAsync(TestData.Beacon(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, await _app.Redis.StreamLengthAsync(_app.StreamKey));
    }

    [Fact]
    public async Task Rejects_a_huge_body_with_413()
    {
        var merchant = await _app.MerchantAsync();
        var body = $$$"""{"n":"pageview","u":"https://{{{merchant.Site.Domain}}}/","d":"{{{merchant.Site.Domain}}}","p":{"k":"{{{new string('x', 100_000)}}}"}}""";
        using var response = await _app.CreateClient().SendAsync(TestData.Beacon(body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Answers_503_with_Retry_After_when_Redis_is_unreachable_and_never_202()
    {
        var merchant = await _app.MerchantAsync();
        // A port nothing listens on: the event cannot be made durable, so it must not be acknowledged.
        await using var noRedis = new AppFactory(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=500" });
        using var response = await noRedis.CreateClient().SendAsync(TestData.Pageview(merchant.Site.Domain, "/"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
    }
}
