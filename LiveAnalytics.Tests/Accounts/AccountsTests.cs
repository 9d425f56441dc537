using System.Net;
using LiveAnalytics.Accounts;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Accounts;

public sealed class AccountsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Theory]
    [InlineData("/sites")]
    [InlineData("/sites/new")]
    [InlineData("/sites/1")]
    public async Task Merchant_pages_redirect_to_login(string path)
    {
        var client = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Passwords_are_stored_hashed_and_checked()
    {
        var user = await _app.UserAsync();
        using var scope = _app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var stored = (await users.FindByEmailAsync(user.Email))!;
        Assert.DoesNotContain(TestData.Password, stored.PasswordHash);
        Assert.True(await users.CheckPasswordAsync(stored, TestData.Password));
        Assert.False(await users.CheckPasswordAsync(stored, "wrong-password-123"));
        Assert.NotNull(stored.SecurityStamp);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account()
    {
        var user = await _app.UserAsync();
        using var scope = _app.Services.CreateScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<AppUser>>();
        scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>().HttpContext =
            new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = scope.ServiceProvider };
        for (var i = 0; i < 5; i++)
            Assert.False((await signIn.PasswordSignInAsync(user.Email, "wrong-password-123", false, lockoutOnFailure: true)).Succeeded);
        var result = await signIn.PasswordSignInAsync(user.Email, TestData.Password, false, lockoutOnFailure: true);
        Assert.True(result.IsLockedOut);
    }

    [Fact]
    public async Task An_email_can_sign_up_once()
    {
        var user = await _app.UserAsync();
        using var scope = _app.Services.CreateScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>()
            .CreateAsync(new AppUser { Email = user.Email.ToUpperInvariant() }, TestData.Password);
        Assert.False(result.Succeeded);
    }

    [Theory]
    [InlineData(null, "/sites")]
    [InlineData("/sites/7", "/sites/7")]
    [InlineData("https://evil.example/", "/sites")]
    [InlineData("//evil.example/", "/sites")]
    [InlineData("/\\evil.example/", "/sites")]
    public void Return_urls_stay_on_this_site(string? returnUrl, string expected) =>
        Assert.Equal(expected, AccountsExtensions.SafeReturnUrl(returnUrl));
}
