using System.Net;
using System.Net.Http.Headers;
using Bunit;
using Dapper;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Settings;
using LiveAnalytics.Settings.Pages;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Settings;

public sealed class ApiKeysTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private ApiKeys Keys => _app.Get<ApiKeys>();

    private async Task<HttpStatusCode> ReadAsync(string secret, string domain)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await client.GetAsync($"/api/v1/stats/realtime/visitors?site_id={domain}");
        return response.StatusCode;
    }

    private async Task<DateTimeOffset?> LastUsedAsync(Guid userId, long keyId) => (await Keys.ListAsync(userId)).Single(k => k.Id == keyId).LastUsedAt;

    [Fact]
    public async Task A_keys_last_use_is_noted_at_most_once_a_minute_and_shown_with_it()
    {
        var shop = await _app.MerchantAsync();
        var (info, secret) = await Keys.CreateAsync(shop.User.Id, "Order webhook");
        Assert.Null(info.LastUsedAt);

        Assert.Equal(HttpStatusCode.OK, await ReadAsync(secret, shop.Site.Domain));
        var first = await LastUsedAsync(shop.User.Id, info.Id);
        Assert.NotNull(first);
        Assert.InRange(first.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        // Within the minute another request writes nothing.
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(secret, shop.Site.Domain));
        Assert.Equal(first, await LastUsedAsync(shop.User.Id, info.Id));

        // A minute later it does.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE api_keys SET last_used_at = last_used_at - interval '2 minutes' WHERE id = @Id", new { info.Id });
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(secret, shop.Site.Domain));
        var later = await LastUsedAsync(shop.User.Id, info.Id);
        Assert.True(later > first, $"{later} after {first}");

        // The page lists it with the key; a key never used says so.
        var (unused, _) = await Keys.CreateAsync(shop.User.Id, "Spare");
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(ApiKeys), typeof(SiteRepository));
        var page = ctx.Render<ApiKeysPage>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=api-keys] tbody tr").Count));
        var rows = page.FindAll("[data-testid=api-keys] tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(["Order webhook", LastUse.Text(later)], [rows[0][0], rows[0][4]]);
        Assert.Equal(["Spare", "Never"], [rows[1][0], rows[1][4]]);
        Assert.Equal(unused.Name, rows[1][0]);
    }

    [Fact]
    public async Task A_revoked_or_unknown_key_notes_no_use()
    {
        var shop = await _app.MerchantAsync();
        var (info, secret) = await Keys.CreateAsync(shop.User.Id, "Old");
        Assert.True(await Keys.RevokeAsync(shop.User.Id, info.Id));

        Assert.Equal(HttpStatusCode.Unauthorized, await ReadAsync(secret, shop.Site.Domain));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadAsync(secret[..^2] + "xx", shop.Site.Domain));

        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Null(await conn.ExecuteScalarAsync<DateTimeOffset?>("SELECT last_used_at FROM api_keys WHERE id = @Id", new { info.Id }));
    }
}
