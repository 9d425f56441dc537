using LiveAnalytics.Accounts;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>
/// With mail configured, a new account logs in once its address is confirmed: through the real pages and a real SMTP
/// conversation (netDumbster), the sign-up, the mail and its link, the login refused before and let in after.
/// </summary>
public sealed class EmailConfirmationTests : MailTest
{
    private static Dictionary<string, string> SignUp(string email) =>
        new() { ["Input.Email"] = email, ["Input.Password"] = TestData.Password, ["Input.Confirm"] = TestData.Password };

    private async Task<AppUser> FindAsync(string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email))!;
    }

    private async Task SendAsync(Guid userId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EmailConfirmationMail>().SendAsync(userId, CancellationToken.None);
    }

    [Fact]
    public async Task A_new_account_logs_in_once_the_mailed_link_confirmed_its_address()
    {
        var email = $"n{Guid.NewGuid():N}@shop.example";
        var client = App.CreateClient();
        var signedUp = await StaticForm.SubmitAsync(client, "/account/signup", "signup", SignUp(email));
        Assert.Contains($"first open the link we sent to {email}", Text(signedUp));
        Assert.Contains("login-submit", await client.GetStringAsync("/sites"));   // not signed in
        var user = await FindAsync(email);
        Assert.False(user.EmailConfirmed);
        Assert.Equal(1, Enqueued);

        // Before the link: the right password is told why (no second mail within the minute), a wrong one is not, and counts.
        var refused = await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(email, TestData.Password));
        Assert.Contains($"Confirm your address first: open the link we sent to {email}", refused);
        Assert.Equal(1, Enqueued);
        var wrong = await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(email, "not-the-password"));
        Assert.Contains("The email or the password is wrong.", wrong);
        Assert.DoesNotContain("Confirm your address", wrong);
        Assert.Equal(1, (await FindAsync(email)).AccessFailedCount);

        await SendAsync(user.Id);
        var mail = Assert.Single(Mail.Received);
        Assert.Equal((email, "Confirm your LiveAnalytics address"), (mail.ToAddresses.Single().Address, mail.Subject));
        var link = TestMailServer.LinkIn(mail, "/account/confirm");
        var forged = await client.GetStringAsync(link[..^4] + (link.EndsWith("AAAA") ? "BBBB" : "AAAA"));
        Assert.Contains("This link has expired or is not whole", forged);
        Assert.False((await FindAsync(email)).EmailConfirmed);
        Assert.Contains("This link has expired or is not whole", await client.GetStringAsync("/account/confirm?user=nobody&token=x"));

        // Opening the link only asks (a mail scanner following it confirms nothing); the button confirms.
        Assert.Contains($"Confirm that {email} is yours", Text(await client.GetStringAsync(link)));
        Assert.False((await FindAsync(email)).EmailConfirmed);
        Assert.Contains("Your address is confirmed", await StaticForm.SubmitAsync(client, link, "confirm-email", []));
        Assert.True((await FindAsync(email)).EmailConfirmed);
        Assert.Contains("Your address is confirmed", await client.GetStringAsync(link));   // opened again: nothing to do
        var page = await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(email, TestData.Password));
        Assert.DoesNotContain("login-submit", page);
        // A confirmed account gets no more mails of the kind, whoever asks.
        await SendAsync(user.Id);
        Assert.Single(Mail.Received);
    }

    [Fact]
    public async Task The_invited_address_is_confirmed_by_its_invitation_another_address_is_not()
    {
        var shop = await App.MerchantAsync();
        var invitations = App.Get<SiteInvitations>();
        var (invited, other) = ($"i{Guid.NewGuid():N}@colleagues.example", $"o{Guid.NewGuid():N}@colleagues.example");
        Assert.Null(await invitations.AddOrInviteAsync(shop.Site, shop.User.Id, invited, SiteTeam.Viewer));
        Assert.Null(await invitations.AddOrInviteAsync(shop.Site, shop.User.Id, "second" + invited, SiteTeam.Viewer));
        string Token(string to) => TestMailServer.LinkIn(Mail.Received.Single(m => m.ToAddresses[0].Address == to), "/account/invitation").Split("token=")[1];

        var joined = await StaticForm.SubmitAsync(App.CreateClient(), $"/account/signup?invite={Token(invited)}", "signup", SignUp(invited.ToUpperInvariant()));
        Assert.Contains(shop.Site.Domain, joined);   // signed in and taken to the site
        Assert.True((await FindAsync(invited)).EmailConfirmed);
        Assert.Equal(0, Enqueued);

        // The second invitation used to sign up under another address: the team is joined, the address still to confirm.
        var asked = await StaticForm.SubmitAsync(App.CreateClient(), $"/account/signup?invite={Token("second" + invited)}", "signup", SignUp(other));
        Assert.Contains($"first open the link we sent to {other}", Text(asked));
        var account = await FindAsync(other);
        Assert.False(account.EmailConfirmed);
        Assert.Equal(SiteTeam.Viewer, (await App.Get<SiteTeam>().RolesAsync(account.Id)).GetValueOrDefault(shop.Site.Id));
        Assert.Equal(1, Enqueued);
    }

    [Fact]
    public async Task A_password_reset_by_mail_confirms_the_address()
    {
        var email = $"r{Guid.NewGuid():N}@shop.example";
        await using (var scope = App.Services.CreateAsyncScope())
            Assert.True((await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>()
                .CreateAsync(new AppUser { Email = email }, TestData.Password)).Succeeded);
        var client = App.CreateClient();
        Assert.Contains("Confirm your address first", await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(email, TestData.Password)));

        await using (var scope = App.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<PasswordResetMail>().SendAsync(email, CancellationToken.None);
        var link = TestMailServer.LinkIn(Mail.Received.Single(m => m.Subject.Contains("password")), "/account/reset");
        await StaticForm.SubmitAsync(client, link, "reset-password", new() { ["Input.Password"] = "chosen-by-me-now", ["Input.Confirm"] = "chosen-by-me-now" });
        Assert.True((await FindAsync(email)).EmailConfirmed);
        Assert.DoesNotContain("login-submit", await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(email, "chosen-by-me-now")));
    }

    [Fact]
    public async Task Without_mail_a_new_account_logs_in_at_once()
    {
        await using var app = new AppFactory();
        var email = $"w{Guid.NewGuid():N}@shop.example";
        var client = app.CreateClient();
        var page = await StaticForm.SubmitAsync(client, "/account/signup", "signup", SignUp(email));
        Assert.DoesNotContain("open the link we sent", page);
        Assert.DoesNotContain("login-submit", await client.GetStringAsync("/sites"));
    }
}
