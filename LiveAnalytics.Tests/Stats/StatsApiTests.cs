using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Settings;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

public sealed class StatsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private HttpClient Client(string? apiKey)
    {
        var client = _app.CreateClient();
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    [Fact]
    public async Task Realtime_visitors_and_aggregate_count_what_came_in()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        var beacons = _app.CreateClient();
        (await beacons.SendAsync(TestData.Pageview(merchant.Site.Domain, "/", userAgent: TestData.Browser(1)))).Dispose();
        (await beacons.SendAsync(TestData.Pageview(merchant.Site.Domain, "/cart", userAgent: TestData.Browser(1)))).Dispose();
        (await beacons.SendAsync(TestData.Pageview(merchant.Site.Domain, "/", userAgent: TestData.Browser(2)))).Dispose();
        (await beacons.SendAsync(TestData.Beacon($$"""{"n":"Signup","u":"https://{{merchant.Site.Domain}}/","d":"{{merchant.Site.Domain}}"}""", TestData.Browser(2)))).Dispose();
        await _app.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 4);
        await _app.Get<FlushEventsJob>().RunAsync();
        await _app.RollUpAsync(merchant.Site.Id);

        var api = Client(key);
        Assert.Equal("2", await api.GetStringAsync($"/api/v1/stats/realtime/visitors?site_id={merchant.Site.Domain}"));

        using var aggregate = JsonDocument.Parse(await api.GetStringAsync(
            $"/api/v1/stats/aggregate?site_id={merchant.Site.Domain}&period=day&metrics=visitors,pageviews,events"));
        var results = aggregate.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetProperty("visitors").GetProperty("value").GetInt64());
        Assert.Equal(3, results.GetProperty("pageviews").GetProperty("value").GetInt64());
        Assert.Equal(4, results.GetProperty("events").GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task A_custom_period_compares_with_the_days_just_before()
    {
        var merchant = await _app.MerchantAsync();
        var oct5 = new DateTimeOffset(2026, 10, 5, 12, 0, 0, TimeSpan.Zero);
        // 4 October: two visitors, one of them bounced (50 %). 5 October: three visitors, 5 pageviews, one bounce (33 %).
        await _app.Get<EventWriter>().WriteAsync([
            TestData.Event(merchant.Site.Id, oct5.AddDays(-1), 1, "/"), TestData.Event(merchant.Site.Id, oct5.AddDays(-1).AddMinutes(1), 1, "/a"),
            TestData.Event(merchant.Site.Id, oct5.AddDays(-1), 2, "/"),
            TestData.Event(merchant.Site.Id, oct5, 3, "/"), TestData.Event(merchant.Site.Id, oct5.AddMinutes(1), 3, "/a"),
            TestData.Event(merchant.Site.Id, oct5, 4, "/"), TestData.Event(merchant.Site.Id, oct5.AddMinutes(1), 4, "/b"),
            TestData.Event(merchant.Site.Id, oct5, 5, "/"),
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(merchant.Site.Id);
        var api = Client(await _app.ApiKeyAsync(merchant.User.Id));

        using var aggregate = JsonDocument.Parse(await api.GetStringAsync(
            $"/api/v1/stats/aggregate?site_id={merchant.Site.Domain}&period=custom&date=2026-10-05,2026-10-05&metrics=visitors,pageviews,bounce_rate&compare=previous_period"));
        Assert.Equal("""{"visitors":{"value":3,"change":50},"pageviews":{"value":5,"change":67},"bounce_rate":{"value":33,"change":-17}}""",
            aggregate.RootElement.GetProperty("results").GetRawText());

        // Without compare, no change; a custom period serves the other endpoints too.
        using var plain = JsonDocument.Parse(await api.GetStringAsync(
            $"/api/v1/stats/aggregate?site_id={merchant.Site.Domain}&period=custom&date=2026-10-04,2026-10-05&metrics=visitors"));
        Assert.Equal("""{"visitors":{"value":5}}""", plain.RootElement.GetProperty("results").GetRawText());
        using var series = JsonDocument.Parse(await api.GetStringAsync(
            $"/api/v1/stats/timeseries?site_id={merchant.Site.Domain}&period=custom&date=2026-10-04,2026-10-05&metrics=visitors"));
        Assert.Equal("""[{"date":"2026-10-04","visitors":2},{"date":"2026-10-05","visitors":3}]""", series.RootElement.GetProperty("results").GetRawText());

        using var wrong = await api.GetAsync($"/api/v1/stats/aggregate?site_id={merchant.Site.Domain}&period=day&compare=last_year");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("previous_period", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Requires_a_valid_unrevoked_key()
    {
        var merchant = await _app.MerchantAsync();
        var url = $"/api/v1/stats/realtime/visitors?site_id={merchant.Site.Domain}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client(null).GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client("la_not-a-real-key").GetAsync(url)).StatusCode);

        var (info, secret) = await _app.Get<ApiKeys>().CreateAsync(merchant.User.Id, "soon revoked");
        Assert.Equal(HttpStatusCode.OK, (await Client(secret).GetAsync(url)).StatusCode);
        Assert.True(await _app.Get<ApiKeys>().RevokeAsync(merchant.User.Id, info.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client(secret).GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task A_key_reaches_only_its_users_sites_and_unknown_sites_look_the_same()
    {
        var mine = await _app.MerchantAsync();
        var theirs = await _app.MerchantAsync();
        var api = Client(await _app.ApiKeyAsync(mine.User.Id));

        using var other = await api.GetAsync($"/api/v1/stats/aggregate?site_id={theirs.Site.Domain}&period=day");
        using var unknown = await api.GetAsync("/api/v1/stats/aggregate?site_id=nobody.example&period=day");
        // Not even a host name (PostgreSQL would refuse the NUL): no site, the same answer.
        using var nul = await api.GetAsync("/api/v1/stats/aggregate?site_id=nobody%00.example&period=day");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, nul.StatusCode);
        using var body = JsonDocument.Parse(await other.Content.ReadAsStringAsync());
        Assert.Contains(theirs.Site.Domain, body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_key_limited_to_some_sites_reaches_only_those()
    {
        var merchant = await _app.MerchantAsync();
        var second = await _app.Get<LiveAnalytics.Sites.SiteRepository>().CreateAsync(merchant.User.Id,
            new LiveAnalytics.Sites.NewSite { Domain = TestData.UniqueDomain(), Name = "Second", Timezone = "UTC" });
        var stranger = await _app.MerchantAsync();
        // A key cannot be scoped to a site its user is not a member of: that id is ignored.
        var (info, secret) = await _app.Get<ApiKeys>().CreateAsync(merchant.User.Id, "scoped", [second!.Id, stranger.Site.Id]);
        Assert.Equal(second.Domain, info.Sites);

        var api = Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/stats/realtime/visitors?site_id={second.Domain}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/v1/stats/realtime/visitors?site_id={merchant.Site.Domain}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/v1/stats/realtime/visitors?site_id={stranger.Site.Domain}")).StatusCode);
    }

    [Theory]
    [InlineData("period=decade", "period")]
    [InlineData("period=day&metrics=visitors,time_on_page", "time_on_page")]
    [InlineData("period=day&date=yesterday", "date")]
    // Days at the calendar's ends, whose period before or day after does not exist: a 400, never a 500.
    [InlineData("period=day&date=0001-01-01", "'date' must lie between 1970-01-01 and 2999-12-31.")]
    [InlineData("period=custom&date=0001-01-01,0001-01-02&compare=previous_period", "A custom period must lie between 1970-01-01 and 2999-12-31.")]
    [InlineData("period=custom&date=9999-12-30,9999-12-31", "must lie between")]
    public async Task Bad_parameters_get_400_saying_what_is_wrong(string query, string mentioned)
    {
        var merchant = await _app.MerchantAsync();
        var api = Client(await _app.ApiKeyAsync(merchant.User.Id));
        using var response = await api.GetAsync($"/api/v1/stats/aggregate?site_id={merchant.Site.Domain}&{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Missing_site_id_is_a_400()
    {
        var merchant = await _app.MerchantAsync();
        using var response = await Client(await _app.ApiKeyAsync(merchant.User.Id)).GetAsync("/api/v1/stats/aggregate");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
