using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using static LiveAnalytics.Tests.Infrastructure.ApiClient;

namespace LiveAnalytics.Tests.Sites;

/// <summary>The Sites API: adding, reading and deleting sites and setting their goals with an API key, as the pages do.</summary>
public sealed class SitesApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private HttpClient Client(string key) => ApiClient.For(_app, key);

    [Fact]
    public async Task A_site_is_added_read_listed_and_deleted_by_its_owners_key()
    {
        var user = await _app.UserAsync();
        var api = Client(await _app.ApiKeyAsync(user.Id));
        var domain = TestData.UniqueDomain();

        var (status, created) = await SendAsync(api, HttpMethod.Post, "/api/v1/sites",
            $$"""{"domain": "https://WWW.{{domain.ToUpperInvariant()}}/", "timezone": "Europe/Berlin"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(domain, created.GetProperty("domain").GetString());
        Assert.Equal(domain, created.GetProperty("name").GetString());   // named after its domain when no name is given
        Assert.Equal("Europe/Berlin", created.GetProperty("timezone").GetString());
        Assert.Equal("owner", created.GetProperty("role").GetString());
        Assert.Contains($"data-domain=\"{domain}\"", created.GetProperty("snippet").GetString());
        Assert.Contains("/la.js", created.GetProperty("snippet").GetString());

        (status, var read) = await SendAsync(api, HttpMethod.Get, $"/api/v1/sites/{domain}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(read.TryGetProperty("snippet", out _));
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/sites");
        Assert.Equal([domain], listed.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("domain").GetString()));
        Assert.NotNull(await _app.Get<SiteRepository>().FindByDomainForUserAsync(domain, user.Id));   // the pages see it too

        (status, var taken) = await SendAsync(api, HttpMethod.Post, "/api/v1/sites", $$"""{"domain": "{{domain}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("already registered", Detail(taken));

        (status, _) = await SendAsync(api, HttpMethod.Delete, $"/api/v1/sites/{domain}");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await SendAsync(api, HttpMethod.Get, $"/api/v1/sites/{domain}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Theory]
    [InlineData("""{"domain": "not a domain"}""", HttpStatusCode.BadRequest, "That is not a domain")]
    [InlineData("""{"name": "No domain"}""", HttpStatusCode.BadRequest, "Enter the site's domain")]
    [InlineData("""{"domain": "{0}", "timezone": "Mars/Olympus_Mons"}""", HttpStatusCode.BadRequest, "Unknown time zone 'Mars/Olympus_Mons'")]
    [InlineData("""{"domain": "{0}", "name": "Tab\there"}""", HttpStatusCode.BadRequest, "control characters")]
    [InlineData("""{"domain": 42}""", HttpStatusCode.BadRequest, "must be strings")]
    [InlineData("""["{0}"]""", HttpStatusCode.BadRequest, "must be a JSON object")]
    [InlineData("""{"domain": "{0}" """, HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":1}}}}}""", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("""{"domain": "{0}", "name": "half a pair: \ud800"}""", HttpStatusCode.BadRequest, "lone surrogate")]
    [InlineData("""{"domain": "{0}", "n\udc00ame": "x"}""", HttpStatusCode.BadRequest, "lone surrogate")]
    [InlineData("""{"domain": "{0}", "time_zone": "Europe/Berlin"}""", HttpStatusCode.BadRequest, "Unknown member 'time_zone': send only 'domain', 'name', 'timezone'.")]
    public async Task Bad_sites_are_refused_saying_what_is_wrong(string body, HttpStatusCode expected, string reason)
    {
        var user = await _app.UserAsync();
        var (status, problem) = await SendAsync(Client(await _app.ApiKeyAsync(user.Id)), HttpMethod.Post, "/api/v1/sites",
            body.Replace("{0}", TestData.UniqueDomain()));
        Assert.Equal(expected, status);
        Assert.Contains(reason, Detail(problem));
        Assert.Empty(await _app.Get<SiteRepository>().ListForUserAsync(user.Id));
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_400_and_a_domain_with_a_nul_is_no_site()
    {
        var user = await _app.UserAsync();
        var api = Client(await _app.ApiKeyAsync(user.Id));
        var domain = TestData.UniqueDomain();
        // "\xED\xA0\x80": a surrogate encoded as UTF-8, which UTF-8 forbids.
        byte[] bytes = [.. Encoding.UTF8.GetBytes($"{{\"domain\": \"{domain}\", \"name\": \"x"), 0xED, 0xA0, 0x80, .. "\"}"u8];
        using var content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
        using var response = await api.PostAsync("/api/v1/sites", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid UTF-8", await response.Content.ReadAsStringAsync());
        Assert.Empty(await _app.Get<SiteRepository>().ListForUserAsync(user.Id));

        // PostgreSQL refuses a NUL in text: asked for such a domain, the API answers as for any site it does not reach.
        // (In the path Kestrel refuses it before any endpoint runs.)
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(api, HttpMethod.Get, "/api/v1/sites/goals?site_id=a%00b.example")).Status);
    }

    [Fact]
    public async Task A_huge_body_is_413()
    {
        var user = await _app.UserAsync();
        var (status, problem) = await SendAsync(Client(await _app.ApiKeyAsync(user.Id)), HttpMethod.Post, "/api/v1/sites",
            $$"""{"domain": "{{TestData.UniqueDomain()}}", "name": "{{new string('x', SitesApi.MaxBodyBytes)}}"}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("larger than", Detail(problem));
    }

    [Fact]
    public async Task A_key_reaches_only_its_sites_and_roles_hold()
    {
        var shop = await _app.MerchantAsync();
        var stranger = await _app.UserAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var admin = await _app.MemberAsync(shop, SiteTeam.Admin);
        var domain = shop.Site.Domain;

        // Someone else's site is answered like one that does not exist, for reading and deleting.
        var strangers = Client(await _app.ApiKeyAsync(stranger.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(strangers, HttpMethod.Get, $"/api/v1/sites/{domain}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(strangers, HttpMethod.Delete, $"/api/v1/sites/{domain}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(strangers, HttpMethod.Get, $"/api/v1/sites/goals?site_id={domain}")).Status);
        Assert.Empty((await strangers.GetFromJsonAsync<JsonElement>("/api/v1/sites")).GetProperty("sites").EnumerateArray());

        // A viewer reads it with their role, and may not delete it or set its goals; an admin may set goals, not delete.
        var viewers = Client(await _app.ApiKeyAsync(viewer.Id));
        Assert.Equal("viewer", (await SendAsync(viewers, HttpMethod.Get, $"/api/v1/sites/{domain}")).Body.GetProperty("role").GetString());
        var (status, refused) = await SendAsync(viewers, HttpMethod.Delete, $"/api/v1/sites/{domain}");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("owners", Detail(refused));
        (status, refused) = await SendAsync(viewers, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "event", "event_name": "Signup"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(SiteTeam.SettingsRefused, Detail(refused));
        var admins = Client(await _app.ApiKeyAsync(admin.Id));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(admins, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "event", "event_name": "Signup"}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(admins, HttpMethod.Delete, $"/api/v1/sites/{domain}")).Status);

        // A key limited to some sites reaches those only, and adds none.
        var second = (await _app.Get<SiteRepository>().CreateAsync(shop.User.Id, new NewSite { Domain = TestData.UniqueDomain(), Name = "Second", Timezone = "UTC" }))!;
        var (_, limitedKey) = await _app.Get<ApiKeys>().CreateAsync(shop.User.Id, "second only", [second.Id]);
        var limited = Client(limitedKey);
        Assert.Equal([second.Domain], (await limited.GetFromJsonAsync<JsonElement>("/api/v1/sites")).GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("domain").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(limited, HttpMethod.Get, $"/api/v1/sites/{domain}")).Status);
        (status, refused) = await SendAsync(limited, HttpMethod.Post, "/api/v1/sites", $$"""{"domain": "{{TestData.UniqueDomain()}}"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("limited to some sites", Detail(refused));

        // No key at all.
        using var anonymous = await _app.CreateClient().GetAsync("/api/v1/sites");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Goals_are_put_once_listed_and_deleted()
    {
        var shop = await _app.MerchantAsync();
        var api = Client(await _app.ApiKeyAsync(shop.User.Id));
        var domain = shop.Site.Domain;

        var (status, signup) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "event", "event_name": "Signup"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("event", "Signup", "Signup"), (signup.GetProperty("goal_type").GetString(), signup.GetProperty("event_name").GetString(), signup.GetProperty("display_name").GetString()));
        // Sending it again finds the same goal.
        var (_, again) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "event", "event_name": " Signup "}""");
        Assert.Equal(signup.GetProperty("id").GetInt64(), again.GetProperty("id").GetInt64());
        var (_, page) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "page", "page_path": "/thank-you*"}""");
        Assert.Equal(("page", "/thank-you*", "Visit /thank-you*"), (page.GetProperty("goal_type").GetString(), page.GetProperty("page_path").GetString(), page.GetProperty("display_name").GetString()));

        var goals = await api.GetFromJsonAsync<JsonElement>($"/api/v1/sites/goals?site_id={domain}");
        Assert.Equal(["Signup", "Visit /thank-you*"], goals.GetProperty("goals").EnumerateArray().Select(g => g.GetProperty("display_name").GetString()).Order());
        Assert.Equal(2, (await _app.Get<LiveAnalytics.Dashboard.Goals>().ListAsync(shop.Site.Id)).Count);   // the settings page's goals

        (status, var bad) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "page", "page_path": "thank-you"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("starting with /", Detail(bad));
        (status, bad) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "event", "page_path": "/x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'goal_type' must be 'event' with 'event_name'", Detail(bad));
        (status, bad) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", """{"goal_type": "event", "event_name": "Signup"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'site_id' is required", Detail(bad));
        // A misspelt member is refused, not ignored.
        (status, bad) = await SendAsync(api, HttpMethod.Put, "/api/v1/sites/goals", $$"""{"site_id": "{{domain}}", "goal_type": "event", "event": "Order"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Unknown member 'event'", Detail(bad));

        (status, _) = await SendAsync(api, HttpMethod.Delete, $"/api/v1/sites/goals/{signup.GetProperty("id").GetInt64()}?site_id={domain}");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, var gone) = await SendAsync(api, HttpMethod.Delete, $"/api/v1/sites/goals/{signup.GetProperty("id").GetInt64()}?site_id={domain}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("has no goal", Detail(gone));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(api, HttpMethod.Delete, $"/api/v1/sites/goals/<script>?site_id={domain}")).Status);
        Assert.Single((await api.GetFromJsonAsync<JsonElement>($"/api/v1/sites/goals?site_id={domain}")).GetProperty("goals").EnumerateArray());
    }
}
