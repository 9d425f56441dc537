using System.Text;
using LiveAnalytics.Accounts;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Infrastructure;

public sealed record Merchant(AppUser User, Site Site);

public static class TestData
{
    public const string Password = "correct-horse-battery";
    public const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    /// <summary>A realistic browser User-Agent, distinct per <paramref name="n"/>: a distinct visitor.</summary>
    public static string Browser(int n) =>
        $"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{n}.0 Safari/537.36";

    public static TrackedEvent Event(long siteId, DateTimeOffset at, long visitor, string path = "/", string name = TrackedEvent.Pageview) => new()
    {
        Id = Guid.CreateVersion7(at), SiteId = siteId, Timestamp = at, Name = name, Hostname = "shop.example",
        Pathname = path, VisitorId = visitor, SessionId = visitor,
    };

    /// <summary>A page view's first engagement report: <paramref name="seconds"/> looked at, read half way down.</summary>
    public static TrackedEvent Engagement(long siteId, DateTimeOffset at, long visitor, string path = "/", int seconds = 20) =>
        Event(siteId, at, visitor, path, LiveAnalytics.Ingestion.Engagement.EventName) with { Engagement = new(seconds * 1000, 50, First: true) };

    /// <summary>How many events of the site are stored in PostgreSQL (read on a connection of its own: works after the app is gone).</summary>
    public static async Task<long> StoredEventsAsync(long siteId)
    {
        await using var conn = new Npgsql.NpgsqlConnection(TestServices.Postgres);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT count(*) FROM events WHERE site_id = @siteId", new { siteId });
    }

    public static string UniqueDomain() => $"s{Guid.NewGuid():N}".Substring(0, 16) + ".shop.example";

    public static async Task<AppUser> UserAsync(this AppFactory app)
    {
        using var scope = app.Services.CreateScope();
        // An established merchant: with mail configured, an unconfirmed address could not log in.
        var user = new AppUser { Email = $"m{Guid.NewGuid():N}@test.example", EmailConfirmed = true };
        var result = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        return user;
    }

    public static async Task<Merchant> MerchantAsync(this AppFactory app)
    {
        var user = await app.UserAsync();
        var site = await app.Get<SiteRepository>().CreateAsync(user.Id, new NewSite { Domain = UniqueDomain(), Name = "Test shop", Timezone = "UTC" });
        return new Merchant(user, site!);
    }

    /// <summary>A new user whom the site's owner adds to its team with <paramref name="role"/>.</summary>
    public static async Task<AppUser> MemberAsync(this AppFactory app, Merchant shop, string role)
    {
        var user = await app.UserAsync();
        Assert.Null(await app.Get<SiteTeam>().AddAsync(shop.Site.Id, shop.User.Id, user.Email!, role));
        return user;
    }

    /// <summary>A merchant's site with a viewer on its team besides its owner.</summary>
    public static async Task<(Merchant Shop, Guid Viewer)> MerchantWithViewerAsync(this AppFactory app)
    {
        var shop = await app.MerchantAsync();
        return (shop, (await app.MemberAsync(shop, SiteTeam.Viewer)).Id);
    }

    public static async Task<string> ApiKeyAsync(this AppFactory app, Guid userId) =>
        (await app.Get<ApiKeys>().CreateAsync(userId, "test")).Secret;

    public static HttpRequestMessage Beacon(string json, string userAgent = Chrome) => new(HttpMethod.Post, "/api/event")
    {
        Content = new StringContent(json, Encoding.UTF8, "text/plain"),
        Headers = { { "User-Agent", userAgent } },
    };

    /// <summary>A batch API item: a pageview of the one visitor the batch tests use, stamped when <paramref name="at"/> is given.</summary>
    public static string BatchPageview(string domain, string path, DateTimeOffset? at = null) =>
        $$"""{"name":"pageview","url":"https://{{domain}}{{path}}","domain":"{{domain}}",{{(at is { } t ? $"\"timestamp\":\"{t:O}\"," : "")}}"ip":"81.2.69.142","user_agent":"{{Chrome}}"}""";

    /// <summary>Posts the batch test visitor's pageviews to the batch API, which must take them all; an item without a time happens now.</summary>
    public static async Task PostPageviewsAsync(HttpClient client, string apiKey, string domain, params (string Path, DateTimeOffset? At)[] items)
    {
        var body = "[" + string.Join(",", items.Select(i => BatchPageview(domain, i.Path, i.At))) + "]";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", apiKey);
        using var response = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    public static HttpRequestMessage Pageview(string domain, string path, string userAgent = Chrome, string? referrer = null) =>
        Beacon($$"""{"n":"pageview","u":"https://{{domain}}{{path}}","d":"{{domain}}","r":{{(referrer is null ? "null" : $"\"{referrer}\"")}}}""", userAgent);

    /// <summary>Completes when the site's live snapshot satisfies <paramref name="condition"/>; pushed, not polled.</summary>
    public static async Task<LiveSnapshot> WaitForAsync(this EventHub hub, long siteId, Func<LiveSnapshot, bool> condition, int timeoutMs = 10_000)
    {
        var done = new TaskCompletionSource<LiveSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            var snapshot = hub.Snapshot(siteId);
            if (condition(snapshot)) done.TrySetResult(snapshot);
        }
        using var subscription = hub.Subscribe(siteId, _ => Check());
        Check();
        var finished = await Task.WhenAny(done.Task, Task.Delay(timeoutMs));
        Assert.True(finished == done.Task, $"The live state of site {siteId} did not reach the expected state within {timeoutMs} ms; last: {hub.Snapshot(siteId)}");
        return await done.Task;
    }

    /// <summary>
    /// Runs the rollup job until the site has nothing left to roll up. Test classes run in parallel on
    /// one database, and another class's run may hold this site's batches when this run passes them by.
    /// </summary>
    public static async Task RollUpAsync(this AppFactory app, long siteId)
    {
        await using var conn = await app.Get<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        for (var attempt = 0; ; attempt++)
        {
            await app.Get<LiveAnalytics.Stats.RollupJob>().RunAsync();
            var left = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, """
                SELECT (SELECT count(*) FROM rollup_batches WHERE site_id = @siteId) + (SELECT count(*) FROM rollup_dirty_hours WHERE site_id = @siteId)
                """, new { siteId });
            if (left == 0) return;
            if (attempt == 200) throw new TimeoutException($"Site {siteId} still has {left} batches or hours to roll up.");
            await Task.Delay(25);
        }
    }
}
