using System.Net;
using LiveAnalytics.Accounts;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Accounts;

/// <summary><c>Accounts:Registration=InviteOnly</c>: the sign-up page takes an invitation's link, or a new server's first account.</summary>
public sealed class RegistrationTests
{
    [Theory]
    [InlineData(RegistrationMode.Open, false, true, true)]
    [InlineData(RegistrationMode.InviteOnly, false, true, false)]
    [InlineData(RegistrationMode.InviteOnly, true, true, true)]
    [InlineData(RegistrationMode.InviteOnly, false, false, true)]   // a new server's first account
    public void Invite_only_takes_an_invitation_or_a_first_account(RegistrationMode mode, bool hasInvitation, bool anyAccount, bool allowed) =>
        Assert.Equal(allowed, Registration.Allows(mode, hasInvitation, anyAccount));

    [Fact]
    public async Task Invite_only_refuses_a_stranger_even_posting_the_form_and_takes_an_invited_colleague()
    {
        using var mail = new TestMailServer();
        var settings = mail.Settings;
        settings["Accounts:Registration"] = "InviteOnly";
        await using var app = new AppFactory(settings);
        var client = app.CreateClient();

        Assert.DoesNotContain("signup-link", await client.GetStringAsync("/account/login"));   // not offered
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/account/signup"));
        Assert.Contains(Registration.Refused, page);
        Assert.DoesNotContain("signup-submit", page);
        // The form posted all the same, with a valid antiforgery token from another page.
        var stranger = $"s{Guid.NewGuid():N}@strangers.example";
        using (var posted = await StaticForm.PostAsync(client, "/account/signup", "signup", await StaticForm.TokenAsync(client, "/account/login"), new()
        {
            ["Input.Email"] = stranger, ["Input.Password"] = TestData.Password, ["Input.Confirm"] = TestData.Password,
        }))
            Assert.NotEqual(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.False(await ExistsAsync(app, stranger));

        var shop = await app.MerchantAsync();
        var colleague = $"c{Guid.NewGuid():N}@colleagues.example";
        Assert.Null(await app.Get<SiteInvitations>().AddOrInviteAsync(shop.Site, shop.User.Id, colleague, SiteTeam.Viewer));
        var link = TestMailServer.LinkIn(mail.Received.Single(), "/account/invitation");
        await StaticForm.SubmitAsync(client, $"/account/signup?invite={link.Split("token=")[1]}", "signup",
            new() { ["Input.Email"] = colleague, ["Input.Password"] = TestData.Password, ["Input.Confirm"] = TestData.Password });
        Assert.True(await ExistsAsync(app, colleague));
    }

    [Fact]
    public async Task Open_registration_offers_sign_up_on_the_login_page()
    {
        await using var app = new AppFactory();
        Assert.Contains("id=\"signup-link\"", await app.CreateClient().GetStringAsync("/account/login"));
    }

    private static async Task<bool> ExistsAsync(AppFactory app, string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email) is not null;
    }
}
