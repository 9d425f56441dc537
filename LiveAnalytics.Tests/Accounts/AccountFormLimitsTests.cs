using System.Net;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>The account forms' posts per client address and minute: then 429 with Retry-After.</summary>
public sealed class AccountFormLimitsTests
{
    [Fact]
    public async Task An_address_that_posts_too_often_is_told_to_wait_and_others_are_not()
    {
        await using var app = new RemoteAddressAppFactory(IPAddress.Parse("203.0.113.9"),
            new Dictionary<string, string?> { ["Accounts:FormPostsPerMinute"] = "3" });
        var client = app.CreateClient();
        var token = await StaticForm.TokenAsync(client, "/account/login");
        Task<HttpResponseMessage> PostAsync() => StaticForm.PostAsync(client, "/account/login", "login", token, new()
        {
            ["Input.Email"] = $"guess{Guid.NewGuid():N}@example.com", ["Input.Password"] = "password-spraying",
        });

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await PostAsync();
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("The email or the password is wrong.", await allowed.Content.ReadAsStringAsync());
        }
        using var refused = await PostAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("wait a minute", await refused.Content.ReadAsStringAsync());
        // Pages still load, and the rest of the app does not count against it.
        using var page = await client.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task The_nodes_of_one_installation_count_an_address_together()
    {
        var settings = new Dictionary<string, string?> { ["Accounts:FormPostsPerMinute"] = "3" };
        await using var first = new RemoteAddressAppFactory(IPAddress.Parse("203.0.113.10"), settings);
        await using var second = new RemoteAddressAppFactory(IPAddress.Parse("203.0.113.10"), settings, first.KeyPrefix);
        await using var elsewhere = new RemoteAddressAppFactory(IPAddress.Parse("198.51.100.10"), settings, first.KeyPrefix);
        async Task<HttpStatusCode> PostAsync(AppFactory node)
        {
            var client = node.CreateClient();
            using var response = await StaticForm.PostAsync(client, "/account/login", "login", await StaticForm.TokenAsync(client, "/account/login"),
                new() { ["Input.Email"] = $"guess{Guid.NewGuid():N}@example.com", ["Input.Password"] = "password-spraying" });
            return response.StatusCode;
        }

        // A window is the clock's minute: two that straddle one would each count from zero. Start early in one.
        var second0 = DateTimeOffset.UtcNow.Second;
        if (second0 > 45) await Task.Delay(TimeSpan.FromSeconds(61 - second0));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(first));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(second));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(first));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PostAsync(second));   // each node has seen two or less
        Assert.Equal(HttpStatusCode.OK, await PostAsync(elsewhere));
    }
}
