using Dapper;
using LiveAnalytics.Accounts;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>A merchant deletes their own account on the account page: never a site left without an owner.</summary>
public sealed class AccountDeletionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private async Task<HttpClient> LoggedInAsync(AppUser user)
    {
        var client = _app.CreateClient();
        Assert.Contains("Your sites", await StaticForm.SubmitAsync(client, "/account/login", "login",
            new() { ["Input.Email"] = user.Email, ["Input.Password"] = TestData.Password }));
        return client;
    }

    private static Task<string> DeleteAsync(HttpClient client, string password) =>
        StaticForm.SubmitAsync(client, "/account", "delete-account", new() { ["Input.Password"] = password });

    private async Task<long> CountAsync(string sql, object args)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(sql, args);
    }

    [Fact]
    public async Task The_only_owner_of_a_site_is_told_to_hand_it_over_and_then_the_account_goes()
    {
        var shop = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(shop.User.Id);
        var client = await LoggedInAsync(shop.User);

        Assert.Contains("The password is wrong.", await DeleteAsync(client, "not-my-password"));
        var refused = await DeleteAsync(client, TestData.Password);
        Assert.Contains("You are the only owner of Test shop: delete it in the site's settings, or make another member an owner, first.", refused);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM users WHERE id = @Id", shop.User));

        // Another owner takes over: the account can go, and the site stays with them.
        var partner = await _app.MemberAsync(shop, SiteTeam.Owner);
        var deleted = await DeleteAsync(client, TestData.Password);
        Assert.Contains("Your account is deleted.", deleted);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM users WHERE id = @Id", shop.User));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM api_keys WHERE user_id = @Id", shop.User));
        Assert.Equal([partner.Id], (await _app.Get<SiteTeam>().ListAsync(shop.Site.Id, partner.Id)).Select(m => m.UserId));

        // Signed out here, and the API key no longer works.
        Assert.Contains("login-submit", await client.GetStringAsync("/account"));
        var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", key);
        using var stats = await api.GetAsync($"/api/v1/stats/aggregate?site_id={shop.Site.Domain}");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, stats.StatusCode);
    }
}
